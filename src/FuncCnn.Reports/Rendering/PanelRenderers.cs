namespace FuncCnn.Reports;

using static FigureRenderer;

/// <summary>Lays out and draws an <see cref="XyPlot"/>: legend on top, y ticks left, x ticks under the plot.</summary>
internal static class XyPlotRenderer
{
    private const double LegendLine = 18;
    private const double LegendSample = 30;

    public static (double, double) Measure(XyPlot p) => (p.Width, Math.Max(120, p.Height - PanelTitleSize * 1.3 - 8));

    private static List<List<LineSeries>> LegendRows(XyPlot p, double width)
    {
        var rows = new List<List<LineSeries>>();
        double x = 0;
        foreach (var s in p.Series.Where(s => s.Title.Length > 0))
        {
            var itemW = LegendSample + 6 + TextMeasure.Width(s.Title, LabelSize) + 18;
            if (rows.Count == 0 || x + itemW > width) { rows.Add([]); x = 0; }
            rows[^1].Add(s);
            x += itemW;
        }
        return rows;
    }

    private static (double Lo, double Hi) Range(Axis axis, IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        double lo = finite.Length > 0 ? finite.Min() : 0, hi = finite.Length > 0 ? finite.Max() : 1;
        if (hi <= lo) { var d = lo == 0 ? 1 : Math.Abs(lo) * 0.1; lo -= d; hi += d; }
        var pad = (hi - lo) * 0.05;
        lo = axis.Minimum ?? lo - pad;
        hi = axis.Maximum ?? hi + pad;
        if (hi <= lo) hi = lo + 1;
        return (lo, hi);
    }

    public static void Draw(XyPlot p, IRenderContext ctx, double x0, double y0, double w, double h)
    {
        var legend = LegendRows(p, w);
        var legendH = legend.Count * LegendLine + (legend.Count > 0 ? 6 : 0);
        var bottomH = TickSize * 1.2 + 6 + (p.XAxis.Title.Length > 0 ? LabelSize * 1.3 + 8 : 0);
        var plotTop = y0 + legendH + 6;
        var plotH = h - legendH - 6 - bottomH;
        var (ylo, yhi) = Range(p.YAxis, p.Series.SelectMany(s => s.Y));
        var (xlo, xhi) = Range(p.XAxis, p.Series.SelectMany(s => s.X));
        var (yTicks, yStep) = NiceTicks(ylo, yhi, Math.Max(3, (int)(plotH / 36)), p.YAxis.IntegerTicks);
        var yLabels = yTicks.Select(t => FormatTick(t, yStep)).ToArray();
        var yLabelW = TextMeasure.MaxWidth(yLabels, TickSize);
        var left = (p.YAxis.Title.Length > 0 ? LabelSize * 1.3 + 8 : 0) + yLabelW + 8;
        var plotLeft = x0 + left;
        var plotW = w - left - 14;

        // As many x ticks as fit side by side with room to spare.
        var maxTicks = 12;
        double[] xTicks; double xStep;
        while (true)
        {
            (xTicks, xStep) = NiceTicks(xlo, xhi, maxTicks, p.XAxis.IntegerTicks);
            var widest = xTicks.Length == 0 ? 0 : xTicks.Max(t => TextMeasure.Width(FormatTick(t, xStep), TickSize));
            if (maxTicks <= 2 || xTicks.Length * (widest + 14) <= plotW) break;
            maxTicks--;
        }

        double X(double v) => plotLeft + (v - xlo) / (xhi - xlo) * plotW;
        double Y(double v) => plotTop + plotH - (v - ylo) / (yhi - ylo) * plotH;

        // Legend, centred, one or more lines.
        var ly = y0 + LegendLine / 2;
        foreach (var row in legend)
        {
            var rowW = row.Sum(s => LegendSample + 6 + TextMeasure.Width(s.Title, LabelSize) + 18) - 18;
            var lx = x0 + (w - rowW) / 2;
            foreach (var s in row)
            {
                ctx.DrawPolyline([new ScreenPoint(lx, ly), new ScreenPoint(lx + LegendSample, ly)], s.Color, s.StrokeWidth, s.Dashed);
                DrawMarker(ctx, s.Marker, lx + LegendSample / 2, ly, s.Color);
                ctx.DrawText(lx + LegendSample + 6, ly, s.Title, new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Left, VerticalAlign.Middle));
                lx += LegendSample + 6 + TextMeasure.Width(s.Title, LabelSize) + 18;
            }
            ly += LegendLine;
        }

        // Grid and ticks.
        for (var i = 0; i < yTicks.Length; i++)
        {
            var ty = Y(yTicks[i]);
            ctx.DrawPolyline([new ScreenPoint(plotLeft, ty), new ScreenPoint(plotLeft + plotW, ty)], Color.GridLine);
            ctx.DrawText(plotLeft - 6, ty, yLabels[i], new TextStyle(TickSize, Color.MutedText, false, HorizontalAlign.Right, VerticalAlign.Middle));
        }
        foreach (var t in xTicks)
        {
            var tx = X(t);
            ctx.DrawPolyline([new ScreenPoint(tx, plotTop), new ScreenPoint(tx, plotTop + plotH)], Color.GridLine);
            ctx.DrawPolyline([new ScreenPoint(tx, plotTop + plotH), new ScreenPoint(tx, plotTop + plotH + 4)], Color.Axis);
            ctx.DrawText(tx, plotTop + plotH + 6, FormatTick(t, xStep), new TextStyle(TickSize, Color.MutedText, false, HorizontalAlign.Center, VerticalAlign.Top));
        }
        ctx.DrawRectangle(plotLeft, plotTop, plotW, plotH, null, Color.Axis, 1);
        if (p.XAxis.Title.Length > 0)
            ctx.DrawText(plotLeft + plotW / 2, plotTop + plotH + 6 + TickSize * 1.2 + 8, p.XAxis.Title,
                new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Center, VerticalAlign.Top));
        if (p.YAxis.Title.Length > 0)
            ctx.DrawText(x0 + LabelSize * 0.65, plotTop + plotH / 2, p.YAxis.Title,
                new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Center, VerticalAlign.Middle, -90));

        // Series: lines broken at NaN, then markers.
        foreach (var s in p.Series)
        {
            var n = Math.Min(s.X.Count, s.Y.Count);
            var run = new List<ScreenPoint>();
            void Flush()
            {
                if (run.Count >= 2) ctx.DrawPolyline(run.ToArray(), s.Color, s.StrokeWidth, s.Dashed);
                run.Clear();
            }
            for (var i = 0; i < n; i++)
            {
                if (!double.IsFinite(s.X[i]) || !double.IsFinite(s.Y[i])) { Flush(); continue; }
                run.Add(new ScreenPoint(X(s.X[i]), Y(s.Y[i])));
            }
            Flush();
            if (n <= 40)
                for (var i = 0; i < n; i++)
                    if (double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i]))
                        DrawMarker(ctx, s.Marker, X(s.X[i]), Y(s.Y[i]), s.Color);
        }
    }

    private static void DrawMarker(IRenderContext ctx, MarkerShape shape, double x, double y, Color c)
    {
        const double r = 3.6;
        switch (shape)
        {
            case MarkerShape.Circle: ctx.DrawCircle(x, y, r, c); break;
            case MarkerShape.Square: ctx.DrawRectangle(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, c); break;
            case MarkerShape.Triangle:
                ctx.DrawPolygon([new ScreenPoint(x, y - r * 1.2), new ScreenPoint(x + r * 1.1, y + r * 0.8), new ScreenPoint(x - r * 1.1, y + r * 0.8)], c);
                break;
            case MarkerShape.Diamond:
                ctx.DrawPolygon([new ScreenPoint(x, y - r * 1.3), new ScreenPoint(x + r, y), new ScreenPoint(x, y + r * 1.3), new ScreenPoint(x - r, y)], c);
                break;
        }
    }
}

/// <summary>Lays out and draws a <see cref="HeatMapPlot"/>: row labels left, column labels under, colour bar right.</summary>
internal static class HeatMapRenderer
{
    private sealed record Geometry(double Left, double Top, double ColumnLabelHeight, bool TurnColumnLabels, double Width, double Height, double FontSize);

    private static Geometry Layout(HeatMapPlot p)
    {
        var rows = p.Values.GetLength(0);
        var cols = p.Values.GetLength(1);
        var s = p.CellSize;
        var rowTitleW = string.IsNullOrEmpty(p.RowAxisTitle) ? 0 : LabelSize * 1.3 + 6;
        var rowLabelW = p.RowLabels is { Count: > 0 } ? TextMeasure.MaxWidth(p.RowLabels, LabelSize) + 8 : 0;
        var colLabelW = p.ColumnLabels is { Count: > 0 } ? TextMeasure.MaxWidth(p.ColumnLabels, LabelSize) : 0;
        var turn = colLabelW > s - 4;
        var colLabelH = p.ColumnLabels is { Count: > 0 }
            ? (turn ? colLabelW * 0.71 + LabelSize * 0.71 + 10 : LabelSize * 1.2 + 6)
            : 0;
        var left = rowTitleW + rowLabelW;
        if (turn) left = Math.Max(left, colLabelW * 0.71 - s / 2 + 4);
        var colTitleH = string.IsNullOrEmpty(p.ColumnAxisTitle) ? 0 : LabelSize * 1.3 + 6;
        var barW = p.ColorBar is null ? 0 : ColorBarWidth(p.ColorBar, rows * s);
        var top = p.ColorBar is null ? 0 : 6;
        var font = CellFont(p);
        return new Geometry(left, top, colLabelH, turn, left + cols * s + barW + 2, top + rows * s + colLabelH + colTitleH + (p.ColorBar is null ? 0 : 4), font);
    }

    /// <summary>The cell font size that lets the widest cell text fit a cell; 0 when it would be too small to read.</summary>
    private static double CellFont(HeatMapPlot p)
    {
        if (p.CellText is null) return 0;
        double widest = 0; var lines = 1;
        foreach (var t in p.CellText)
        {
            if (t is null) continue;
            var ls = Lines(t);
            lines = Math.Max(lines, ls.Length);
            widest = Math.Max(widest, TextMeasure.MaxWidth(ls, 1));
        }
        var font = p.CellFontSize;
        if (widest > 0) font = Math.Min(font, (p.CellSize - 5) / widest);
        font = Math.Min(font, (p.CellSize - 4) / (lines * 1.2));
        return font >= 7 ? font : 0;
    }

    public static (double, double) Measure(HeatMapPlot p)
    {
        var g = Layout(p);
        return (g.Width, g.Height);
    }

    public static void Draw(HeatMapPlot p, IRenderContext ctx, double x0, double y0, string id)
    {
        var g = Layout(p);
        var rows = p.Values.GetLength(0);
        var cols = p.Values.GetLength(1);
        var s = p.CellSize;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in p.Values) if (double.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (double.IsInfinity(min)) { min = 0; max = 1; }
        min = p.Minimum ?? min;
        max = p.Maximum ?? max;
        var mx = x0 + g.Left;
        var my = y0 + g.Top;

        if (rows * cols > 4096)
        {
            var flat = new float[rows * cols];
            for (var r = 0; r < rows; r++) for (var c = 0; c < cols; c++) flat[r * cols + c] = (float)p.Values[r, c];
            var raster = new Raster(flat, rows, cols, min, max, p.ColorMap);
            ctx.DrawImage(mx, my, cols * s, rows * s, RasterImages.Encode(raster, cols * s, rows * s));
        }
        else
        {
            for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
            {
                var fill = ColorMaps.At(p.ColorMap, p.Values[r, c], min, max);
                ctx.BeginGroup($"{id}-cell-{r}-{c}", "cell");
                ctx.DrawRectangle(mx + c * s, my + r * s, s, s, fill, Color.White, 0.5);
                var text = p.CellText?[r, c];
                if (g.FontSize > 0 && !string.IsNullOrEmpty(text))
                {
                    var lines = Lines(text);
                    var lh = g.FontSize * 1.2;
                    var ty = my + r * s + s / 2 - lh * (lines.Length - 1) / 2;
                    foreach (var line in lines)
                    {
                        ctx.DrawText(mx + c * s + s / 2, ty, line, new TextStyle(g.FontSize, Contrast(fill), false, HorizontalAlign.Center, VerticalAlign.Middle));
                        ty += lh;
                    }
                }
                ctx.EndGroup();
            }
        }
        ctx.DrawRectangle(mx, my, cols * s, rows * s, null, Color.Axis, 1);

        if (p.RowLabels is { Count: > 0 })
            for (var r = 0; r < Math.Min(rows, p.RowLabels.Count); r++)
                ctx.DrawText(mx - 6, my + r * s + s / 2, p.RowLabels[r], new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Right, VerticalAlign.Middle));
        if (p.ColumnLabels is { Count: > 0 })
            for (var c = 0; c < Math.Min(cols, p.ColumnLabels.Count); c++)
            {
                var cx = mx + c * s + s / 2;
                if (g.TurnColumnLabels)
                    ctx.DrawText(cx + LabelSize * 0.3, my + rows * s + 6, p.ColumnLabels[c], new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Right, VerticalAlign.Top, -45));
                else
                    ctx.DrawText(cx, my + rows * s + 6, p.ColumnLabels[c], new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Center, VerticalAlign.Top));
            }
        if (!string.IsNullOrEmpty(p.ColumnAxisTitle))
            ctx.DrawText(mx + cols * s / 2, my + rows * s + g.ColumnLabelHeight + 4, p.ColumnAxisTitle,
                new TextStyle(LabelSize, Color.Text, true, HorizontalAlign.Center, VerticalAlign.Top));
        if (!string.IsNullOrEmpty(p.RowAxisTitle))
        {
            var rowLabelW = p.RowLabels is { Count: > 0 } ? TextMeasure.MaxWidth(p.RowLabels, LabelSize) + 8 : 0;
            ctx.DrawText(mx - rowLabelW - 6 - LabelSize * 0.6, my + rows * s / 2, p.RowAxisTitle,
                new TextStyle(LabelSize, Color.Text, true, HorizontalAlign.Center, VerticalAlign.Middle, -90));
        }
        if (p.ColorBar is not null) DrawColorBar(p.ColorBar, ctx, mx + cols * s, my, rows * s, id);
    }
}

/// <summary>Lays out and draws an <see cref="ImageGridPlot"/>: every cell as wide as the widest image or caption.</summary>
internal static class ImageGridRenderer
{
    private const double GapX = 12;
    private const double GapY = 14;

    private static (double W, double H) Display(ImageGridPlot p, GridImage g)
    {
        var scale = p.CellSize / Math.Max(g.Raster.Width, g.Raster.Height);
        return (g.DisplayWidth ?? g.Raster.Width * scale, g.DisplayHeight ?? g.Raster.Height * scale);
    }

    private sealed record Geometry(double CellW, double CellH, double ImageH, int Columns, int Rows, double Width, double Height);

    private static Geometry Layout(ImageGridPlot p)
    {
        var cols = Math.Max(1, Math.Min(p.Columns, Math.Max(1, p.Images.Count)));
        var rows = (p.Images.Count + cols - 1) / cols;
        double cellW = 0, imageH = 0; var captionLines = 0;
        foreach (var g in p.Images)
        {
            var (w, h) = Display(p, g);
            var lines = Lines(g.Caption);
            cellW = Math.Max(cellW, Math.Max(w, TextMeasure.MaxWidth(lines, p.CaptionFontSize, g.CaptionBold)));
            imageH = Math.Max(imageH, h);
            captionLines = Math.Max(captionLines, lines.Length);
        }
        var cellH = imageH + (captionLines > 0 ? 4 + captionLines * p.CaptionFontSize * 1.25 : 0);
        var gridW = cols * cellW + (cols - 1) * GapX;
        var gridH = rows * cellH + Math.Max(0, rows - 1) * GapY;
        var barW = p.ColorBar is null ? 0 : ColorBarWidth(p.ColorBar, Math.Max(gridH, 80));
        return new Geometry(cellW, cellH, imageH, cols, rows, gridW + barW, Math.Max(gridH, p.ColorBar is null ? 0 : 80));
    }

    public static (double, double) Measure(ImageGridPlot p)
    {
        var g = Layout(p);
        return (g.Width, g.Height);
    }

    public static void Draw(ImageGridPlot p, IRenderContext ctx, double x0, double y0, string id)
    {
        var g = Layout(p);
        for (var i = 0; i < p.Images.Count; i++)
        {
            var img = p.Images[i];
            var (w, h) = Display(p, img);
            var cx = x0 + (i % g.Columns) * (g.CellW + GapX) + g.CellW / 2;
            var top = y0 + (i / g.Columns) * (g.CellH + GapY);
            ctx.BeginGroup($"{id}-img-{i}", "grid-image");
            ctx.DrawImage(cx - w / 2, top + (g.ImageH - h) / 2, w, h, RasterImages.Encode(img.Raster, w, h));
            if (img.Framed) ctx.DrawRectangle(cx - w / 2, top + (g.ImageH - h) / 2, w, h, null, Color.Axis, 0.75);
            var ty = top + g.ImageH + 4;
            foreach (var line in Lines(img.Caption))
            {
                ctx.DrawText(cx, ty, line, new TextStyle(p.CaptionFontSize, img.CaptionColor, img.CaptionBold, HorizontalAlign.Center, VerticalAlign.Top));
                ty += p.CaptionFontSize * 1.25;
            }
            ctx.EndGroup();
        }
        if (p.ColorBar is not null)
        {
            var gridW = g.Columns * g.CellW + (g.Columns - 1) * GapX;
            var gridH = g.Rows * g.CellH + Math.Max(0, g.Rows - 1) * GapY;
            var barH = Math.Max(80, Math.Min(gridH, g.ImageH * Math.Max(1, g.Rows)));
            DrawColorBar(p.ColorBar, ctx, x0 + gridW, y0, Math.Max(barH, 80), id);
        }
    }
}

/// <summary>Lays out and draws a horizontal <see cref="BarPlot"/>.</summary>
internal static class BarPlotRenderer
{
    private const double Band = 24;
    private const double Bar = 16;

    private static (double Left, double ValueW, double Height) Layout(BarPlot p)
    {
        var left = TextMeasure.MaxWidth(p.Categories, LabelSize) + 10;
        var valueW = p.Values.Count == 0 ? 0 : p.Values.Max(v => TextMeasure.Width(Format(v, p.ValueFormat), TickSize)) + 8;
        var axisH = TickSize * 1.2 + 8 + (p.ValueAxisTitle.Length > 0 ? LabelSize * 1.3 + 6 : 0);
        return (left, valueW, p.Categories.Count * Band + 4 + axisH);
    }

    public static (double, double) Measure(BarPlot p)
    {
        var (left, valueW, h) = Layout(p);
        return (left + p.PlotWidth + valueW + 10, h);
    }

    public static void Draw(BarPlot p, IRenderContext ctx, double x0, double y0, string id)
    {
        var (left, _, _) = Layout(p);
        var max = p.Values.Count == 0 ? 1 : Math.Max(p.Values.Max(), 1e-12);
        var (_, step) = NiceTicks(0, max, Math.Max(2, (int)(p.PlotWidth / 70)));
        // The axis ends on the first tick at or past the longest bar, so every bar is read against a labelled tick.
        var hi = Math.Ceiling(max / step - 1e-9) * step;
        var ticks = Enumerable.Range(0, (int)Math.Round(hi / step) + 1).Select(k => k * step).ToArray();
        var px = x0 + left;
        var plotH = p.Categories.Count * Band + 4;
        foreach (var t in ticks)
        {
            var tx = px + t / hi * p.PlotWidth;
            ctx.DrawPolyline([new ScreenPoint(tx, y0), new ScreenPoint(tx, y0 + plotH)], Color.GridLine);
            ctx.DrawText(tx, y0 + plotH + 6, FormatTick(t, step), new TextStyle(TickSize, Color.MutedText, false, HorizontalAlign.Center, VerticalAlign.Top));
        }
        for (var i = 0; i < p.Categories.Count; i++)
        {
            var v = i < p.Values.Count ? p.Values[i] : 0;
            var cy = y0 + 2 + i * Band + Band / 2;
            ctx.BeginGroup($"{id}-bar-{i}", "bar");
            ctx.DrawRectangle(px, cy - Bar / 2, Math.Max(0, v / hi * p.PlotWidth), Bar, p.Color);
            ctx.DrawText(px - 8, cy, p.Categories[i], new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Right, VerticalAlign.Middle));
            ctx.DrawText(px + Math.Max(0, v / hi * p.PlotWidth) + 5, cy, Format(v, p.ValueFormat), new TextStyle(TickSize, Color.MutedText, false, HorizontalAlign.Left, VerticalAlign.Middle));
            ctx.EndGroup();
        }
        ctx.DrawPolyline([new ScreenPoint(px, y0), new ScreenPoint(px, y0 + plotH), new ScreenPoint(px + p.PlotWidth, y0 + plotH)], Color.Axis);
        if (p.ValueAxisTitle.Length > 0)
            ctx.DrawText(px + p.PlotWidth / 2, y0 + plotH + 6 + TickSize * 1.2 + 6, p.ValueAxisTitle,
                new TextStyle(LabelSize, Color.Text, false, HorizontalAlign.Center, VerticalAlign.Top));
    }
}

/// <summary>Lays out and draws a <see cref="TablePlot"/>.</summary>
internal static class TableRenderer
{
    private const double PadX = 12;

    private static double RowH(TablePlot p) => p.FontSize * 1.9;

    private static double[] ColumnWidths(TablePlot p)
    {
        var n = p.Header.Count;
        var widths = new double[n];
        for (var c = 0; c < n; c++)
        {
            widths[c] = TextMeasure.Width(p.Header[c], p.FontSize, true);
            foreach (var row in p.Rows) if (c < row.Count) widths[c] = Math.Max(widths[c], TextMeasure.Width(row[c], p.FontSize));
            foreach (var row in p.Footer) if (c < row.Count) widths[c] = Math.Max(widths[c], TextMeasure.Width(row[c], p.FontSize, true));
            widths[c] += 2 * PadX;
        }
        return widths;
    }

    public static (double, double) Measure(TablePlot p) =>
        (ColumnWidths(p).Sum(), RowH(p) * (1 + p.Rows.Count + p.Footer.Count) + 2);

    public static void Draw(TablePlot p, IRenderContext ctx, double x0, double y0, string id)
    {
        var widths = ColumnWidths(p);
        var total = widths.Sum();
        var rh = RowH(p);
        var y = y0;
        void Row(IReadOnlyList<string> cells, bool bold, Color? fill, string rowId)
        {
            ctx.BeginGroup(rowId, "row");
            if (fill is not null) ctx.DrawRectangle(x0, y, total, rh, fill);
            var x = x0;
            for (var c = 0; c < widths.Length; c++)
            {
                var text = c < cells.Count ? cells[c] : "";
                var align = p.Alignments is not null && c < p.Alignments.Count ? p.Alignments[c] : ColumnAlignment.Left;
                var (tx, ha) = align switch
                {
                    ColumnAlignment.Right => (x + widths[c] - PadX, HorizontalAlign.Right),
                    ColumnAlignment.Center => (x + widths[c] / 2, HorizontalAlign.Center),
                    _ => (x + PadX, HorizontalAlign.Left),
                };
                ctx.DrawText(tx, y + rh / 2, text, new TextStyle(p.FontSize, Color.Text, bold, ha, VerticalAlign.Middle));
                x += widths[c];
            }
            ctx.EndGroup();
            y += rh;
        }
        Row(p.Header, true, new Color(232, 236, 242), $"{id}-header");
        ctx.DrawPolyline([new ScreenPoint(x0, y), new ScreenPoint(x0 + total, y)], Color.Axis, 1.2);
        for (var r = 0; r < p.Rows.Count; r++) Row(p.Rows[r], false, r % 2 == 1 ? new Color(246, 247, 249) : null, $"{id}-row-{r}");
        if (p.Footer.Count > 0) ctx.DrawPolyline([new ScreenPoint(x0, y), new ScreenPoint(x0 + total, y)], Color.Axis, 1.2);
        for (var r = 0; r < p.Footer.Count; r++) Row(p.Footer[r], true, null, $"{id}-footer-{r}");
        ctx.DrawRectangle(x0, y0, total, y - y0, null, Color.Axis, 1);
    }
}
