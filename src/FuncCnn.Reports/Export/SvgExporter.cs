using System.Globalization;
using System.Text;

namespace FuncCnn.Reports;

/// <summary>
/// Writes a <see cref="Figure"/> as an SVG 1.1 document: text escaped, numbers in the invariant culture with at
/// most two decimals, images as embedded PNG data URIs. The same figure always gives the same bytes.
/// </summary>
public static class SvgExporter
{
    /// <summary>Renders a figure to SVG text.</summary>
    /// <param name="figure">The figure.</param>
    /// <returns>The SVG document.</returns>
    public static string Export(Figure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var size = FigureRenderer.Measure(figure);
        var ctx = new SvgRenderContext(size, figure.Title);
        FigureRenderer.Render(figure, ctx);
        return ctx.Finish();
    }

    /// <summary>Renders a figure to SVG and writes it as UTF-8 (no byte-order mark).</summary>
    /// <param name="figure">The figure.</param>
    /// <param name="path">The file to write.</param>
    public static void ExportToFile(Figure figure, string path) =>
        File.WriteAllText(path, Export(figure), new UTF8Encoding(false));
}

/// <summary>An <see cref="IRenderContext"/> that writes SVG elements into a string.</summary>
public sealed class SvgRenderContext : IRenderContext
{
    private readonly StringBuilder sb = new();
    private int depth;

    /// <summary>Starts a document of the given size.</summary>
    /// <param name="size">The document's width and height in pixels.</param>
    /// <param name="title">The document title (its &lt;title&gt; element), or null.</param>
    public SvgRenderContext(FigureSize size, string? title)
    {
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
        sb.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\"")
          .Append(" width=\"").Append(size.Width.ToString(CultureInfo.InvariantCulture))
          .Append("\" height=\"").Append(size.Height.ToString(CultureInfo.InvariantCulture))
          .Append("\" viewBox=\"0 0 ").Append(size.Width.ToString(CultureInfo.InvariantCulture)).Append(' ')
          .Append(size.Height.ToString(CultureInfo.InvariantCulture))
          .Append("\" font-family=\"").Append(Escape(TextMeasure.FontFamily)).Append("\">\n");
        if (!string.IsNullOrEmpty(title)) sb.Append("<title>").Append(Escape(title.Replace('\n', ' '))).Append("</title>\n");
    }

    /// <summary>Closes the document.</summary>
    /// <returns>The SVG text.</returns>
    public string Finish()
    {
        while (depth > 0) EndGroup();
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <inheritdoc />
    public void DrawRectangle(double x, double y, double width, double height, Color? fill, Color? stroke = null, double strokeWidth = 1)
    {
        sb.Append("<rect x=\"").Append(N(x)).Append("\" y=\"").Append(N(y)).Append("\" width=\"").Append(N(width))
          .Append("\" height=\"").Append(N(height)).Append('"');
        Fill(fill);
        Stroke(stroke, strokeWidth);
        sb.Append("/>\n");
    }

    /// <inheritdoc />
    public void DrawPolyline(IReadOnlyList<ScreenPoint> points, Color stroke, double strokeWidth = 1, bool dashed = false)
    {
        if (points.Count < 2) return;
        sb.Append("<polyline points=\"");
        Points(points);
        sb.Append("\" fill=\"none\"");
        Stroke(stroke, strokeWidth);
        sb.Append(" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
        if (dashed) sb.Append(" stroke-dasharray=\"").Append(N(strokeWidth * 3)).Append(',').Append(N(strokeWidth * 2.5)).Append('"');
        sb.Append("/>\n");
    }

    /// <inheritdoc />
    public void DrawPolygon(IReadOnlyList<ScreenPoint> points, Color fill, Color? stroke = null)
    {
        sb.Append("<polygon points=\"");
        Points(points);
        sb.Append('"');
        Fill(fill);
        Stroke(stroke, 1);
        sb.Append("/>\n");
    }

    /// <inheritdoc />
    public void DrawCircle(double centerX, double centerY, double radius, Color fill)
    {
        sb.Append("<circle cx=\"").Append(N(centerX)).Append("\" cy=\"").Append(N(centerY)).Append("\" r=\"").Append(N(radius)).Append('"');
        Fill(fill);
        sb.Append("/>\n");
    }

    /// <inheritdoc />
    public void DrawText(double x, double y, string text, TextStyle style)
    {
        // The vertical alignment is a shift along the text's own y axis (dy), so it stays right when turned.
        var dy = style.VerticalAlign switch
        {
            VerticalAlign.Top => 0.76 * style.FontSize,
            VerticalAlign.Middle => 0.36 * style.FontSize,
            _ => 0,
        };
        sb.Append("<text x=\"").Append(N(x)).Append("\" y=\"").Append(N(y)).Append('"');
        if (dy != 0) sb.Append(" dy=\"").Append(N(dy)).Append('"');
        sb.Append(" font-size=\"").Append(N(style.FontSize)).Append('"');
        if (style.Bold) sb.Append(" font-weight=\"bold\"");
        if (style.HorizontalAlign != HorizontalAlign.Left)
            sb.Append(" text-anchor=\"").Append(style.HorizontalAlign == HorizontalAlign.Center ? "middle" : "end").Append('"');
        Fill(style.Color);
        if (style.Rotation != 0)
            sb.Append(" transform=\"rotate(").Append(N(style.Rotation)).Append(' ').Append(N(x)).Append(' ').Append(N(y)).Append(")\"");
        sb.Append('>').Append(Escape(text)).Append("</text>\n");
    }

    /// <inheritdoc />
    public void DrawImage(double x, double y, double width, double height, byte[] png)
    {
        sb.Append("<image x=\"").Append(N(x)).Append("\" y=\"").Append(N(y)).Append("\" width=\"").Append(N(width))
          .Append("\" height=\"").Append(N(height)).Append("\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\"")
          .Append(" xlink:href=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\"/>\n");
    }

    /// <inheritdoc />
    public void BeginGroup(string? id, string? cssClass)
    {
        sb.Append("<g");
        if (!string.IsNullOrEmpty(id)) sb.Append(" id=\"").Append(Escape(id)).Append('"');
        if (!string.IsNullOrEmpty(cssClass)) sb.Append(" class=\"").Append(Escape(cssClass)).Append('"');
        sb.Append(">\n");
        depth++;
    }

    /// <inheritdoc />
    public void EndGroup()
    {
        if (depth == 0) throw new InvalidOperationException("EndGroup without BeginGroup.");
        sb.Append("</g>\n");
        depth--;
    }

    private void Fill(Color? c)
    {
        if (c is not { } color) { sb.Append(" fill=\"none\""); return; }
        sb.Append(" fill=\"").Append(color.ToHex()).Append('"');
        if (color.A != 255) sb.Append(" fill-opacity=\"").Append(N(color.A / 255.0)).Append('"');
    }

    private void Stroke(Color? c, double width)
    {
        if (c is not { } color) return;
        sb.Append(" stroke=\"").Append(color.ToHex()).Append("\" stroke-width=\"").Append(N(width)).Append('"');
        if (color.A != 255) sb.Append(" stroke-opacity=\"").Append(N(color.A / 255.0)).Append('"');
    }

    private void Points(IReadOnlyList<ScreenPoint> points)
    {
        for (var i = 0; i < points.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(N(points[i].X)).Append(',').Append(N(points[i].Y));
        }
    }

    /// <summary>A number for an attribute: invariant culture, at most two decimals, never "-0".</summary>
    internal static string N(double v)
    {
        if (!double.IsFinite(v)) v = 0;
        var r = Math.Round(v, 2, MidpointRounding.AwayFromZero);
        if (r == 0) return "0";
        return r.ToString("0.##", CultureInfo.InvariantCulture);
    }

    /// <summary>Escapes text for XML content and attributes; drops characters XML 1.0 cannot hold.</summary>
    internal static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                case '\t': sb.Append(' '); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { sb.Append(c).Append(text[++i]); }
                    else if (char.IsSurrogate(c) || c < 0x20 || c == '\uFFFE' || c == '\uFFFF') sb.Append('\uFFFD');
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}
