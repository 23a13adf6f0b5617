using System.Globalization;

namespace FuncCnn.Reports;

/// <summary>The size of a laid-out figure in pixels (whole pixels, so PNG sizes are exact).</summary>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public readonly record struct FigureSize(int Width, int Height);

/// <summary>
/// Lays a <see cref="Figure"/> out and draws it on an <see cref="IRenderContext"/>. The layout is computed from
/// estimated text widths (<see cref="TextMeasure"/>) so that labels, captions and titles get the room they need.
/// </summary>
public static class FigureRenderer
{
    internal const double Margin = 20;
    internal const double TitleSize = 18;
    internal const double SubtitleSize = 13;
    internal const double PanelTitleSize = 14;
    internal const double LabelSize = 12;
    internal const double TickSize = 11;
    private const double PanelGap = 32;
    private const double ArrowGap = 52;
    private const double RowGap = 26;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The size the figure will have.</summary>
    /// <param name="figure">The figure.</param>
    /// <returns>Its width and height in pixels.</returns>
    public static FigureSize Measure(Figure figure) => Layout(figure).Size;

    /// <summary>Draws the figure, on a white background, at (0, 0).</summary>
    /// <param name="figure">The figure.</param>
    /// <param name="context">Where to draw.</param>
    /// <returns>The figure's size in pixels.</returns>
    public static FigureSize Render(Figure figure, IRenderContext context)
    {
        ArgumentNullException.ThrowIfNull(figure);
        ArgumentNullException.ThrowIfNull(context);
        var layout = Layout(figure);
        var (w, h) = (layout.Size.Width, layout.Size.Height);
        context.DrawRectangle(0, 0, w, h, Color.White);
        var y = Margin;
        foreach (var line in Lines(figure.Title))
        {
            context.DrawText(w / 2.0, y, line, new TextStyle(TitleSize, Color.Text, true, HorizontalAlign.Center, VerticalAlign.Top));
            y += TitleSize * 1.3;
        }
        if (!string.IsNullOrEmpty(figure.Subtitle))
        {
            foreach (var line in Lines(figure.Subtitle))
            {
                context.DrawText(w / 2.0, y + 2, line, new TextStyle(SubtitleSize, Color.MutedText, false, HorizontalAlign.Center, VerticalAlign.Top));
                y += SubtitleSize * 1.4;
            }
        }
        y = layout.ContentTop;
        var index = 0;
        for (var r = 0; r < figure.Rows.Count; r++)
        {
            var row = figure.Rows[r];
            var (rowW, rowH, sizes) = layout.Rows[r];
            var gap = row.Arrows ? ArrowGap : PanelGap;
            var x = (w - rowW) / 2;
            for (var i = 0; i < row.Panels.Count; i++)
            {
                var (pw, ph) = sizes[i];
                context.BeginGroup($"p{index}", "panel");
                DrawPanel(row.Panels[i], context, x, y, pw, rowH, $"p{index}");
                context.EndGroup();
                index++;
                if (row.Arrows && i < row.Panels.Count - 1)
                {
                    // Contents are centred vertically in the row, so one height suits every arrow.
                    var th = row.Panels.Max(TitleHeight);
                    DrawArrow(context, x + pw + 10, x + pw + gap - 10, y + th + (rowH - th) / 2);
                }
                x += pw + gap;
            }
            y += rowH + RowGap;
        }
        return layout.Size;
    }

    private sealed record FigureLayout(FigureSize Size, double ContentTop, IReadOnlyList<(double Width, double Height, (double Width, double Height)[] Sizes)> Rows);

    private static FigureLayout Layout(Figure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var top = Margin + Lines(figure.Title).Length * TitleSize * 1.3;
        var textW = TextMeasure.MaxWidth(Lines(figure.Title), TitleSize, true);
        if (!string.IsNullOrEmpty(figure.Subtitle))
        {
            top += Lines(figure.Subtitle).Length * SubtitleSize * 1.4;
            textW = Math.Max(textW, TextMeasure.MaxWidth(Lines(figure.Subtitle), SubtitleSize));
        }
        top += 14;
        var rows = new List<(double, double, (double, double)[])>();
        double contentW = 0, y = top;
        foreach (var row in figure.Rows)
        {
            var sizes = row.Panels.Select(MeasurePanel).ToArray();
            var gap = row.Arrows ? ArrowGap : PanelGap;
            var rowW = sizes.Sum(s => s.Width) + gap * Math.Max(0, sizes.Length - 1);
            var rowH = sizes.Length == 0 ? 0 : sizes.Max(s => s.Height);
            rows.Add((rowW, rowH, sizes));
            contentW = Math.Max(contentW, rowW);
            y += rowH + RowGap;
        }
        if (figure.Rows.Count > 0) y -= RowGap;
        var width = (int)Math.Ceiling(Math.Max(contentW, textW) + 2 * Margin);
        var height = (int)Math.Ceiling(y + Margin);
        return new FigureLayout(new FigureSize(width, height), top, rows);
    }

    internal static string[] Lines(string? text) => string.IsNullOrEmpty(text) ? [] : text.Split('\n');

    private static double TitleHeight(Panel p) => Lines(p.Title).Length * PanelTitleSize * 1.3 + (p.Title.Length > 0 ? 8 : 0);

    private static (double Width, double Height) MeasureContent(Panel panel) => panel switch
    {
        XyPlot p => XyPlotRenderer.Measure(p),
        HeatMapPlot p => HeatMapRenderer.Measure(p),
        ImageGridPlot p => ImageGridRenderer.Measure(p),
        BarPlot p => BarPlotRenderer.Measure(p),
        TablePlot p => TableRenderer.Measure(p),
        _ => throw new NotSupportedException($"No renderer for panel type {panel.GetType().Name}."),
    };

    private static (double Width, double Height) MeasurePanel(Panel panel)
    {
        var (cw, ch) = MeasureContent(panel);
        var titleW = TextMeasure.MaxWidth(Lines(panel.Title), PanelTitleSize, true);
        return (Math.Max(cw, titleW), ch + TitleHeight(panel));
    }

    private static void DrawPanel(Panel panel, IRenderContext ctx, double x, double y, double w, double h, string id)
    {
        var ty = y;
        foreach (var line in Lines(panel.Title))
        {
            ctx.DrawText(x + w / 2, ty, line, new TextStyle(PanelTitleSize, Color.Text, true, HorizontalAlign.Center, VerticalAlign.Top));
            ty += PanelTitleSize * 1.3;
        }
        // Content narrower than its title is centred under it, and content lower than the row is centred in it.
        var (cw, ch) = MeasureContent(panel);
        var cx = x + (w - cw) / 2;
        var cy = y + TitleHeight(panel) + Math.Max(0, (h - TitleHeight(panel) - ch) / 2);
        switch (panel)
        {
            case XyPlot p: XyPlotRenderer.Draw(p, ctx, cx, cy, cw, ch); break;
            case HeatMapPlot p: HeatMapRenderer.Draw(p, ctx, cx, cy, id); break;
            case ImageGridPlot p: ImageGridRenderer.Draw(p, ctx, cx, cy, id); break;
            case BarPlot p: BarPlotRenderer.Draw(p, ctx, cx, cy, id); break;
            case TablePlot p: TableRenderer.Draw(p, ctx, cx, cy, id); break;
        }
    }

    private static void DrawArrow(IRenderContext ctx, double x1, double x2, double y)
    {
        var c = new Color(150, 150, 150);
        ctx.DrawPolyline([new ScreenPoint(x1, y), new ScreenPoint(x2 - 8, y)], c, 2.5);
        ctx.DrawPolygon([new ScreenPoint(x2, y), new ScreenPoint(x2 - 11, y - 6), new ScreenPoint(x2 - 11, y + 6)], c);
    }

    // ---- shared helpers ----

    /// <summary>Ticks at a "nice" step (1, 2, 2.5 or 5 times a power of ten) inside [lo, hi].</summary>
    internal static (double[] Ticks, double Step) NiceTicks(double lo, double hi, int maxTicks, bool integer = false)
    {
        if (!(hi > lo)) return ([lo], 1);
        maxTicks = Math.Max(2, maxTicks);
        var raw = (hi - lo) / maxTicks;
        var mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = 10 * mag;
        foreach (var m in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (m * mag >= raw * (1 - 1e-9)) { step = m * mag; break; }
        }
        if (integer) step = Math.Max(1, Math.Ceiling(step));
        var first = Math.Ceiling(lo / step - 1e-9) * step;
        var ticks = new List<double>();
        for (var k = 0; k < 1000; k++)
        {
            var t = first + k * step;
            if (t > hi + step * 1e-9) break;
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }
        return (ticks.ToArray(), step);
    }

    /// <summary>Formats a tick value with just enough decimals for the step.</summary>
    internal static string FormatTick(double v, double step)
    {
        var decimals = 0;
        while (decimals < 6 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-6) decimals++;
        var s = decimals == 0 && Math.Abs(v) >= 10000 ? v.ToString("#,0", Inv) : v.ToString("F" + decimals.ToString(Inv), Inv);
        return s.StartsWith('-') && double.Parse(s, Inv) == 0 ? s[1..] : s.Replace('-', '−');
    }

    /// <summary>Text colour that reads on a background colour.</summary>
    internal static Color Contrast(Color background) => background.Luminance < 0.55 ? Color.White : Color.Text;

    /// <summary>Width taken by a vertical colour bar with its labels.</summary>
    internal static double ColorBarWidth(ColorBar bar, double height)
    {
        var (ticks, step) = NiceTicks(Math.Min(bar.Minimum, bar.Maximum), Math.Max(bar.Minimum, bar.Maximum), ColorBarTicks(height));
        var labelW = ticks.Length == 0 ? 0 : ticks.Max(t => TextMeasure.Width(FormatTick(t, step), TickSize));
        return 18 + 14 + 6 + labelW + (string.IsNullOrEmpty(bar.Title) ? 0 : 8 + LabelSize * 1.2);
    }

    private static int ColorBarTicks(double height) => Math.Clamp((int)(height / 40), 4, 10);

    /// <summary>Draws a vertical colour bar whose top is the maximum.</summary>
    internal static void DrawColorBar(ColorBar bar, IRenderContext ctx, double x, double y, double height, string id)
    {
        const double barW = 14;
        x += 18;
        ctx.BeginGroup($"{id}-colorbar", "colorbar");
        ctx.DrawImage(x, y, barW, height, RasterImages.ColorBar(bar.ColorMap));
        ctx.DrawRectangle(x, y, barW, height, null, Color.Axis, 0.8);
        var lo = Math.Min(bar.Minimum, bar.Maximum);
        var hi = Math.Max(bar.Minimum, bar.Maximum);
        var (ticks, step) = NiceTicks(lo, hi, ColorBarTicks(height));
        double labelW = 0;
        foreach (var t in ticks)
        {
            var ty = hi > lo ? y + height - (t - lo) / (hi - lo) * height : y + height / 2;
            ctx.DrawPolyline([new ScreenPoint(x + barW, ty), new ScreenPoint(x + barW + 4, ty)], Color.Axis);
            var label = FormatTick(t, step);
            labelW = Math.Max(labelW, TextMeasure.Width(label, TickSize));
            ctx.DrawText(x + barW + 6, ty, label, new TextStyle(TickSize, Color.MutedText, false, HorizontalAlign.Left, VerticalAlign.Middle));
        }
        if (!string.IsNullOrEmpty(bar.Title))
        {
            ctx.DrawText(x + barW + 6 + labelW + 8 + LabelSize * 0.6, y + height / 2, bar.Title,
                new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Center, VerticalAlign.Middle, -90));
        }
        ctx.EndGroup();
    }

    /// <summary>Formats a number with the invariant culture.</summary>
    internal static string Format(double v, string format) => v.ToString(format, Inv);
}
