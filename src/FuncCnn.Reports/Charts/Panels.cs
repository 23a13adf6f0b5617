using OxyPlot;

namespace FuncCnn.Reports;

/// <summary>One image of a grid with its caption.</summary>
internal sealed record Tile(OxyImage Image, int PixelHeight, int PixelWidth, string? Caption, OxyColor CaptionColor, bool Bold = false, bool Framed = false);

/// <summary>Building blocks drawn on a <see cref="Canvas"/>: image grids, numbered matrices, colour bars, titles.</summary>
internal static class Panels
{
    internal const double TitleSize = 13;

    /// <summary>A panel title, left-aligned and bold; returns the y under it.</summary>
    internal static double Title(Canvas c, double x, double y, string title)
    {
        if (string.IsNullOrEmpty(title)) return y;
        c.Text(x, y, title, ChartColors.Text, TitleSize, bold: true, h: HorizontalAlignment.Left);
        return y + TitleSize * 1.25 + 6;
    }

    /// <summary>Images in rows of <paramref name="columns"/>, the longer side <paramref name="cell"/> pixels; returns the bottom.</summary>
    internal static double Grid(Canvas c, double x, double y, IReadOnlyList<Tile> tiles, int columns, double cell, double captionSize = 11, double gap = 8)
    {
        if (tiles.Count == 0) return y;
        var lines = tiles.Max(t => t.Caption is null ? 0 : t.Caption.Split('\n').Length);
        var colWidth = Math.Max(cell, tiles.Max(t => t.Caption is null ? 0 : Style.TextWidth(t.Caption, captionSize, t.Bold)) + 4);
        var rowHeight = cell + (lines > 0 ? 3 + lines * captionSize * 1.25 : 0);
        for (var i = 0; i < tiles.Count; i++)
        {
            var t = tiles[i];
            var cx = x + (i % columns) * (colWidth + gap);
            var cy = y + (i / columns) * (rowHeight + gap);
            var scale = cell / Math.Max(t.PixelHeight, t.PixelWidth);
            var (w, h) = (t.PixelWidth * scale, t.PixelHeight * scale);
            c.Image(t.Image, cx + (colWidth - w) / 2, cy + (cell - h) / 2, w, h, t.Framed);
            if (t.Caption is not null)
                c.Text(cx + colWidth / 2, cy + cell + 3, t.Caption, t.CaptionColor, captionSize, t.Bold);
        }
        var rows = (tiles.Count + columns - 1) / columns;
        c.Extend(x + Math.Min(columns, tiles.Count) * (colWidth + gap) - gap, 0);
        return y + rows * (rowHeight + gap) - gap;
    }

    /// <summary>
    /// A small matrix with its value written in every cell and a frame around it, so a white border cell
    /// never melts into the page. Returns the drawn size.
    /// </summary>
    internal static (double Width, double Height) Matrix(Canvas c, double x, double y, GrayImage m, double cell, ColorMap map, double min, double max,
        string format, double fontSize, Func<int, int, bool>? show = null)
    {
        for (var r = 0; r < m.Height; r++)
            for (var col = 0; col < m.Width; col++)
            {
                var v = m.Pixels[r * m.Width + col];
                var visible = show is null || show(r, col);
                var fill = visible ? ColorMaps.At(map, v, min, max) : OxyColor.FromRgb(245, 245, 245);
                c.Rect(x + col * cell, y + r * cell, cell, cell, fill, OxyColor.FromRgb(200, 200, 200), 0.5);
                if (visible)
                    c.Text(x + (col + 0.5) * cell, y + (r + 0.5) * cell, Style.Num(v, format), ColorMaps.TextOn(fill), fontSize, v != 0 && format == "0",
                        HorizontalAlignment.Center, VerticalAlignment.Middle);
            }
        c.Rect(x, y, m.Width * cell, m.Height * cell, OxyColors.Undefined, ChartColors.Frame, 1.5);
        return (m.Width * cell, m.Height * cell);
    }

    /// <summary>A format that shows a matrix's values: integers bare, others with two decimals.</summary>
    internal static string FormatFor(IEnumerable<float> values) => values.All(v => v == MathF.Round(v)) ? "0" : "0.00";

    /// <summary>A vertical colour bar with its ends labelled; returns its width with labels.</summary>
    internal static double ColorBar(Canvas c, double x, double y, double height, double min, double max, ColorMap map, string? title)
    {
        const int steps = 128;
        var values = Enumerable.Range(0, steps).Select(i => (float)(max - (max - min) * i / (steps - 1))).ToArray();
        c.Image(ColorMaps.Image(values, steps, 1, min, max, map), x, y, 14, height, framed: true);
        c.Text(x + 20, y, Style.Num(max, "0.###"), ChartColors.MutedText, 11, h: HorizontalAlignment.Left);
        c.Text(x + 20, y + height, Style.Num(min, "0.###"), ChartColors.MutedText, 11, h: HorizontalAlignment.Left, v: VerticalAlignment.Bottom);
        if (min < 0 && max > 0)
            c.Text(x + 20, y + height * max / (max - min), "0", ChartColors.MutedText, 11, h: HorizontalAlignment.Left, v: VerticalAlignment.Middle);
        var labels = 20 + new[] { max, min }.Max(v => Style.TextWidth(Style.Num(v, "0.###"), 11));
        if (string.IsNullOrEmpty(title)) return labels;
        // The title runs along the bar, right of the numbers, so it never meets the "0" in the middle.
        c.Text(x + labels + 10, y + height / 2, title, ChartColors.MutedText, 11, h: HorizontalAlignment.Center, v: VerticalAlignment.Middle, rotation: -90);
        return labels + 20;
    }

    /// <summary>The grey image of a picture: 0..1 pictures on 0..1, others on their own min..max.</summary>
    internal static OxyImage Gray(GrayImage g)
    {
        var (min, max) = g.Range();
        if (min >= 0 && max <= 1) (min, max) = (0, 1);
        return ColorMaps.Image(g.Pixels, g.Height, g.Width, min, max, ColorMap.Gray);
    }

    /// <summary>The grey image of values on their own min..max.</summary>
    internal static OxyImage Stretched(GrayImage g, ColorMap map = ColorMap.Gray)
    {
        var (min, max) = g.Range();
        return ColorMaps.Image(g.Pixels, g.Height, g.Width, min, max, map);
    }

    internal static string RangeCaption(GrayImage image)
    {
        var (min, max) = image.Range();
        return $"values {Style.Num(min, "0.##")} … {Style.Num(max, "0.##")}";
    }

    internal static int GridColumns(int n)
    {
        if (n <= 8) return Math.Max(1, n);
        foreach (var c in new[] { 8, 10, 6, 7, 5 }) if (n % c == 0) return c;
        return 8;
    }

    /// <summary>Throws when a picture holds NaN or infinity, naming what it is.</summary>
    internal static void CheckFinite(float[] values, string what)
    {
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new InvalidValueException($"{what} holds {values[i]} at index {i}; charts need finite values (check the model's weights and inputs).");
    }
}
