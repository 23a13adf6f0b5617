using OxyPlot;

namespace FuncCnn.Reports;

/// <summary>How values map to colours.</summary>
public enum ColorMap
{
    /// <summary>Minimum is black, maximum is white.</summary>
    Gray,
    /// <summary>Sequential white to dark blue (matplotlib's Blues): larger is darker.</summary>
    Blues,
    /// <summary>Diverging blue–white–red (matplotlib's RdBu_r): the middle of the range is white.</summary>
    Diverging,
    /// <summary>Perceptually uniform dark purple to yellow (matplotlib's viridis).</summary>
    Viridis,
}

/// <summary>Colour maps as OxyPlot palettes and as lookups, and images built from values.</summary>
public static class ColorMaps
{
    private static readonly OxyColor[] BluesStops =
        [Rgb(247, 251, 255), Rgb(222, 235, 247), Rgb(198, 219, 239), Rgb(158, 202, 225), Rgb(107, 174, 214),
         Rgb(66, 146, 198), Rgb(33, 113, 181), Rgb(8, 81, 156), Rgb(8, 48, 107)];

    private static readonly OxyColor[] DivergingStops =
        [Rgb(5, 48, 97), Rgb(33, 102, 172), Rgb(67, 147, 195), Rgb(146, 197, 222), Rgb(209, 229, 240),
         Rgb(247, 247, 247), Rgb(253, 219, 199), Rgb(244, 165, 130), Rgb(214, 96, 77), Rgb(178, 24, 43), Rgb(103, 0, 31)];

    private static readonly OxyColor[] ViridisStops =
        [Rgb(68, 1, 84), Rgb(71, 45, 123), Rgb(59, 82, 139), Rgb(44, 114, 142), Rgb(33, 145, 140),
         Rgb(40, 174, 128), Rgb(94, 201, 98), Rgb(173, 220, 48), Rgb(253, 231, 37)];

    private static OxyColor Rgb(byte r, byte g, byte b) => OxyColor.FromRgb(r, g, b);

    /// <summary>The map as a 256-colour OxyPlot palette (for a <c>LinearColorAxis</c>).</summary>
    /// <param name="map">The colour map.</param>
    /// <returns>The palette.</returns>
    public static OxyPalette Palette(ColorMap map) => new(Enumerable.Range(0, 256).Select(i => At(map, i / 255.0)));

    /// <summary>The colour of a value scaled into 0..1 (clamped; NaN counts as 0).</summary>
    /// <param name="map">The colour map.</param>
    /// <param name="t">The scaled value.</param>
    /// <returns>The colour.</returns>
    public static OxyColor At(ColorMap map, double t)
    {
        if (double.IsNaN(t)) t = 0;
        t = Math.Clamp(t, 0, 1);
        return map switch
        {
            ColorMap.Gray => OxyColor.FromRgb((byte)Math.Round(t * 255), (byte)Math.Round(t * 255), (byte)Math.Round(t * 255)),
            ColorMap.Blues => Interpolate(BluesStops, t),
            ColorMap.Diverging => Interpolate(DivergingStops, t),
            ColorMap.Viridis => Interpolate(ViridisStops, t),
            _ => throw new ArgumentOutOfRangeException(nameof(map), map, "Unknown colour map."),
        };
    }

    /// <summary>The colour of a value within a range (the first colour when the range is empty).</summary>
    /// <param name="map">The colour map.</param>
    /// <param name="value">The value.</param>
    /// <param name="minimum">The value of the first colour.</param>
    /// <param name="maximum">The value of the last colour.</param>
    /// <returns>The colour.</returns>
    public static OxyColor At(ColorMap map, double value, double minimum, double maximum) =>
        At(map, maximum > minimum ? (value - minimum) / (maximum - minimum) : 0);

    /// <summary>Black or white, whichever reads better on a background colour.</summary>
    /// <param name="background">The background.</param>
    /// <returns>The text colour.</returns>
    public static OxyColor TextOn(OxyColor background) =>
        0.299 * background.R + 0.587 * background.G + 0.114 * background.B > 150 ? OxyColors.Black : OxyColors.White;

    /// <summary>An image of row-major values through a colour map (values outside the range are clamped).</summary>
    internal static OxyImage Image(float[] values, int height, int width, double min, double max, ColorMap map)
    {
        var table = new OxyColor[256];
        for (var i = 0; i < 256; i++) table[i] = At(map, i / 255.0);
        var scale = max > min ? 255.0 / (max - min) : 0;
        var pixels = new OxyColor[width, height];
        for (var r = 0; r < height; r++)
            for (var c = 0; c < width; c++)
            {
                var v = values[r * width + c];
                var t = float.IsFinite(v) ? Math.Clamp((v - min) * scale, 0, 255) : 0;
                pixels[c, r] = table[(int)Math.Round(t)];
            }
        return OxyImage.Create(pixels, ImageFormat.Png);
    }

    /// <summary>An RGB image from three row-major planes in 0..1 (or scaled by <paramref name="max"/>).</summary>
    internal static OxyImage Rgb(float[] r, float[] g, float[] b, int height, int width, double min = 0, double max = 1)
    {
        var s = max > min ? 255.0 / (max - min) : 0;
        byte B(float v) => (byte)Math.Round(Math.Clamp(float.IsFinite(v) ? (v - min) * s : 0, 0, 255));
        var pixels = new OxyColor[width, height];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var i = y * width + x;
                pixels[x, y] = OxyColor.FromRgb(B(r[i]), B(g[i]), B(b[i]));
            }
        return OxyImage.Create(pixels, ImageFormat.Png);
    }

    private static OxyColor Interpolate(OxyColor[] stops, double t)
    {
        var pos = t * (stops.Length - 1);
        var i = Math.Min((int)pos, stops.Length - 2);
        var f = pos - i;
        var a = stops[i];
        var b = stops[i + 1];
        static byte Mix(byte x, byte y, double f) => (byte)Math.Round(x + (y - x) * f);
        return OxyColor.FromRgb(Mix(a.R, b.R, f), Mix(a.G, b.G, f), Mix(a.B, b.B, f));
    }
}
