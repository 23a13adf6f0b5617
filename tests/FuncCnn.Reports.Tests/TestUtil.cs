using System.Globalization;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using FuncCnn.Reports;

namespace FuncCnn.Reports.Tests;

/// <summary>Reads PNG files back through cairo (an independent decoder) as RGB pixels.</summary>
internal static class CairoPng
{
    [DllImport("libcairo.so.2")] private static extern IntPtr cairo_image_surface_create_from_png(string filename);
    [DllImport("libcairo.so.2")] private static extern int cairo_surface_status(IntPtr surface);
    [DllImport("libcairo.so.2")] private static extern int cairo_image_surface_get_width(IntPtr surface);
    [DllImport("libcairo.so.2")] private static extern int cairo_image_surface_get_height(IntPtr surface);
    [DllImport("libcairo.so.2")] private static extern int cairo_image_surface_get_stride(IntPtr surface);
    [DllImport("libcairo.so.2")] private static extern IntPtr cairo_image_surface_get_data(IntPtr surface);
    [DllImport("libcairo.so.2")] private static extern void cairo_surface_destroy(IntPtr surface);

    public sealed record Image(int Width, int Height, byte[] Rgb)
    {
        public (byte R, byte G, byte B) At(int x, int y) { var o = (y * Width + x) * 3; return (Rgb[o], Rgb[o + 1], Rgb[o + 2]); }
    }

    public static Image Read(byte[] png)
    {
        var path = Path.Combine(Path.GetTempPath(), $"funccnn-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png);
        var s = cairo_image_surface_create_from_png(path);
        try
        {
            if (cairo_surface_status(s) != 0) throw new InvalidOperationException($"cairo could not read the PNG (status {cairo_surface_status(s)}).");
            int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s), stride = cairo_image_surface_get_stride(s);
            var raw = new byte[stride * h];
            Marshal.Copy(cairo_image_surface_get_data(s), raw, 0, raw.Length);
            var rgb = new byte[w * h * 3];
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                {
                    var i = y * stride + x * 4; var o = (y * w + x) * 3;
                    rgb[o] = raw[i + 2]; rgb[o + 1] = raw[i + 1]; rgb[o + 2] = raw[i];
                }
            return new Image(w, h, rgb);
        }
        finally
        {
            cairo_surface_destroy(s);
            File.Delete(path);
        }
    }
}

internal static class Svg
{
    public static readonly XNamespace Ns = "http://www.w3.org/2000/svg";
    public static readonly XNamespace XLink = "http://www.w3.org/1999/xlink";

    public static XDocument Parse(Figure f) => XDocument.Parse(SvgExporter.Export(f));

    public static double D(XElement e, string attr) => double.Parse((string?)e.Attribute(attr) ?? "0", CultureInfo.InvariantCulture);

    public static XElement Group(XDocument doc, string id) =>
        doc.Descendants(Ns + "g").Single(g => (string?)g.Attribute("id") == id);

    public static IEnumerable<XElement> Groups(XDocument doc, string cssClass) =>
        doc.Descendants(Ns + "g").Where(g => (string?)g.Attribute("class") == cssClass);

    /// <summary>The estimated box of an unrotated text element, from its anchor, alignment and TextMeasure.</summary>
    public static (double X0, double Y0, double X1, double Y1) TextBox(XElement t)
    {
        var size = D(t, "font-size");
        var w = TextMeasure.Width(t.Value, size, (string?)t.Attribute("font-weight") == "bold");
        var x = D(t, "x");
        var baseline = D(t, "y") + D(t, "dy");
        var x0 = (string?)t.Attribute("text-anchor") switch { "middle" => x - w / 2, "end" => x - w, _ => x };
        return (x0, baseline - 0.76 * size, x0 + w, baseline + 0.24 * size);
    }
}
