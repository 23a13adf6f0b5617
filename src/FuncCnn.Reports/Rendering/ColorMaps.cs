namespace FuncCnn.Reports;

/// <summary>Maps values to colours for each <see cref="ColorMap"/>.</summary>
public static class ColorMaps
{
    private static readonly Color[] BluesStops =
        [new(247, 251, 255), new(222, 235, 247), new(198, 219, 239), new(158, 202, 225), new(107, 174, 214),
         new(66, 146, 198), new(33, 113, 181), new(8, 81, 156), new(8, 48, 107)];

    private static readonly Color[] DivergingStops =
        [new(5, 48, 97), new(33, 102, 172), new(67, 147, 195), new(146, 197, 222), new(209, 229, 240),
         new(247, 247, 247), new(253, 219, 199), new(244, 165, 130), new(214, 96, 77), new(178, 24, 43), new(103, 0, 31)];

    private static readonly Color[] ViridisStops =
        [new(68, 1, 84), new(71, 45, 123), new(59, 82, 139), new(44, 114, 142), new(33, 145, 140),
         new(40, 174, 128), new(94, 201, 98), new(173, 220, 48), new(253, 231, 37)];

    /// <summary>The colour of a value scaled into 0..1 (values outside are clamped; NaN is treated as 0).</summary>
    /// <param name="map">The colour map.</param>
    /// <param name="t">The scaled value.</param>
    /// <returns>The colour.</returns>
    public static Color At(ColorMap map, double t)
    {
        if (double.IsNaN(t)) t = 0;
        t = Math.Clamp(t, 0, 1);
        switch (map)
        {
            case ColorMap.Gray: { var v = (byte)Math.Round(t * 255); return new Color(v, v, v); }
            case ColorMap.GrayReversed: { var v = (byte)Math.Round((1 - t) * 255); return new Color(v, v, v); }
            case ColorMap.Blues: return Interpolate(BluesStops, t);
            case ColorMap.Diverging: return Interpolate(DivergingStops, t);
            case ColorMap.Viridis: return Interpolate(ViridisStops, t);
            default: throw new ArgumentOutOfRangeException(nameof(map), map, "Unknown colour map.");
        }
    }

    /// <summary>The colour of a value within a range.</summary>
    /// <param name="map">The colour map.</param>
    /// <param name="value">The value.</param>
    /// <param name="minimum">The value of the first colour.</param>
    /// <param name="maximum">The value of the last colour.</param>
    /// <returns>The colour; the first colour when the range is empty.</returns>
    public static Color At(ColorMap map, double value, double minimum, double maximum) =>
        At(map, maximum > minimum ? (value - minimum) / (maximum - minimum) : 0);

    /// <summary>A 256-entry lookup table of the map, for fast raster conversion.</summary>
    /// <param name="map">The colour map.</param>
    /// <returns>256 colours, for t = 0/255 … 255/255.</returns>
    internal static Color[] Table(ColorMap map)
    {
        var table = new Color[256];
        for (var i = 0; i < 256; i++) table[i] = At(map, i / 255.0);
        return table;
    }

    private static Color Interpolate(Color[] stops, double t)
    {
        var pos = t * (stops.Length - 1);
        var i = Math.Min((int)pos, stops.Length - 2);
        var f = pos - i;
        var a = stops[i];
        var b = stops[i + 1];
        static byte Mix(byte x, byte y, double f) => (byte)Math.Round(x + (y - x) * f);
        return new Color(Mix(a.R, b.R, f), Mix(a.G, b.G, f), Mix(a.B, b.B, f));
    }
}
