using System.Runtime.InteropServices;
using System.Text;

namespace FuncCnn.Reports;

/// <summary>
/// PNG export could not run because librsvg or cairo is not installed. The message names the Debian packages
/// (librsvg2-2, libcairo2). SVG export does not need them.
/// </summary>
public sealed class PngRendererUnavailableException : Exception
{
    /// <summary>An exception with the given message.</summary>
    /// <param name="message">What is missing and how to install it.</param>
    public PngRendererUnavailableException(string message) : base(message) { }
}

/// <summary>librsvg could not render an SVG document (its own error message is included).</summary>
public sealed class SvgRenderException : Exception
{
    /// <summary>An exception with the given message.</summary>
    /// <param name="message">What went wrong.</param>
    public SvgRenderException(string message) : base(message) { }
}

/// <summary>
/// Writes figures as PNG by rendering the same SVG that <see cref="SvgExporter"/> writes with librsvg and cairo
/// (loaded at run time through P/Invoke), so the two formats never drift apart.
/// </summary>
public static class PngExporter
{
    /// <summary>True when librsvg and cairo can be loaded, so PNG export works on this machine.</summary>
    public static bool IsAvailable => NativeRenderer.TryGet(out _, out _);

    /// <summary>Renders a figure to PNG at a scale (2 gives twice the SVG's pixel width and height).</summary>
    /// <param name="figure">The figure.</param>
    /// <param name="scale">Output pixels per SVG pixel, greater than 0.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="PngRendererUnavailableException">When librsvg or cairo is not installed.</exception>
    public static byte[] Export(Figure figure, double scale = 2)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var size = FigureRenderer.Measure(figure);
        return RenderSvg(SvgExporter.Export(figure), size.Width, size.Height, scale);
    }

    /// <summary>Renders a figure to PNG and writes the file.</summary>
    /// <param name="figure">The figure.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="scale">Output pixels per SVG pixel.</param>
    /// <exception cref="PngRendererUnavailableException">When librsvg or cairo is not installed.</exception>
    public static void ExportToFile(Figure figure, string path, double scale = 2) => File.WriteAllBytes(path, Export(figure, scale));

    /// <summary>Renders SVG text to PNG on a white background.</summary>
    /// <param name="svg">The SVG document.</param>
    /// <param name="width">The document's width in SVG pixels.</param>
    /// <param name="height">The document's height in SVG pixels.</param>
    /// <param name="scale">Output pixels per SVG pixel; the PNG is round(width*scale) x round(height*scale).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="PngRendererUnavailableException">When librsvg or cairo is not installed.</exception>
    /// <exception cref="SvgRenderException">When librsvg rejects the document.</exception>
    public static byte[] RenderSvg(string svg, int width, int height, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(svg);
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a positive number.");
        var pw = (int)Math.Round(width * scale);
        var ph = (int)Math.Round(height * scale);
        if (pw <= 0 || ph <= 0 || (long)pw * ph > 400_000_000L)
            throw new ArgumentOutOfRangeException(nameof(scale), $"A {pw}x{ph} PNG is not a size that can be rendered.");
        if (!NativeRenderer.TryGet(out var native, out var why)) throw new PngRendererUnavailableException(why);
        var rgb = native.Render(Encoding.UTF8.GetBytes(svg), width, height, pw, ph, scale);
        return PngEncoder.EncodeRgb(rgb, pw, ph);
    }
}

/// <summary>The few librsvg, cairo and GLib entry points PNG export uses, bound once through NativeLibrary.</summary>
internal sealed unsafe class NativeRenderer
{
    private static readonly Lazy<(NativeRenderer? Renderer, string Error)> Instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lock Gate = new();

    private delegate* unmanaged[Cdecl]<byte*, nuint, IntPtr*, IntPtr> rsvgNewFromData;
    private delegate* unmanaged[Cdecl]<IntPtr, IntPtr, RsvgRectangle*, IntPtr*, int> rsvgRenderDocument;
    private delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int> rsvgRenderCairo;
    private delegate* unmanaged[Cdecl]<IntPtr, double, void> rsvgSetDpi;
    private delegate* unmanaged[Cdecl]<IntPtr, void> gObjectUnref;
    private delegate* unmanaged[Cdecl]<IntPtr, void> gErrorFree;
    private delegate* unmanaged[Cdecl]<int, int, int, IntPtr> cairoImageSurfaceCreate;
    private delegate* unmanaged[Cdecl]<IntPtr, IntPtr> cairoCreate;
    private delegate* unmanaged[Cdecl]<IntPtr, void> cairoDestroy;
    private delegate* unmanaged[Cdecl]<IntPtr, void> cairoSurfaceDestroy;
    private delegate* unmanaged[Cdecl]<IntPtr, void> cairoSurfaceFlush;
    private delegate* unmanaged[Cdecl]<IntPtr, int> cairoSurfaceStatus;
    private delegate* unmanaged[Cdecl]<IntPtr, double, double, double, void> cairoSetSourceRgb;
    private delegate* unmanaged[Cdecl]<IntPtr, void> cairoPaint;
    private delegate* unmanaged[Cdecl]<IntPtr, double, double, void> cairoScale;
    private delegate* unmanaged[Cdecl]<IntPtr, byte*> cairoImageSurfaceGetData;
    private delegate* unmanaged[Cdecl]<IntPtr, int> cairoImageSurfaceGetStride;

    [StructLayout(LayoutKind.Sequential)]
    private struct RsvgRectangle { public double X, Y, Width, Height; }

    private static readonly string[] RsvgNames = ["librsvg-2.so.2", "librsvg-2.so", "librsvg-2.2.dylib", "librsvg-2-2.dll"];
    private static readonly string[] CairoNames = ["libcairo.so.2", "libcairo.so", "libcairo.2.dylib", "libcairo-2.dll"];
    private static readonly string[] GObjectNames = ["libgobject-2.0.so.0", "libgobject-2.0.so", "libgobject-2.0.0.dylib", "libgobject-2.0-0.dll"];
    private static readonly string[] GLibNames = ["libglib-2.0.so.0", "libglib-2.0.so", "libglib-2.0.0.dylib", "libglib-2.0-0.dll"];

    public static bool TryGet(out NativeRenderer renderer, out string error)
    {
        var (r, e) = Instance.Value;
        renderer = r!;
        error = e;
        return r is not null;
    }

    private static IntPtr Open(string[] names)
    {
        foreach (var n in names) if (NativeLibrary.TryLoad(n, out var h)) return h;
        return IntPtr.Zero;
    }

    private static (NativeRenderer?, string) Load() => Load(RsvgNames, CairoNames);

    /// <summary>Loads the libraries from the first names that load; the error names the missing Debian packages.</summary>
    internal static (NativeRenderer? Renderer, string Error) Load(string[] rsvgNames, string[] cairoNames)
    {
        var missing = new List<string>();
        var cairo = Open(cairoNames);
        if (cairo == IntPtr.Zero) missing.Add("cairo (libcairo.so.2, Debian package libcairo2)");
        var rsvg = Open(rsvgNames);
        if (rsvg == IntPtr.Zero) missing.Add("librsvg (librsvg-2.so.2, Debian package librsvg2-2)");
        var gobject = Open(GObjectNames);
        var glib = Open(GLibNames);
        if (missing.Count == 0 && (gobject == IntPtr.Zero || glib == IntPtr.Zero)) missing.Add("GLib (libglib-2.0.so.0, Debian package libglib2.0-0)");
        if (missing.Count > 0)
            return (null, "PNG export renders the SVG with librsvg and cairo, and could not load " + string.Join(" or ", missing)
                          + ". Install them (on Debian or Ubuntu: apt-get install librsvg2-2 libcairo2); SVG export works without them.");
        try
        {
            var r = new NativeRenderer();
            IntPtr F(IntPtr lib, string name) => NativeLibrary.GetExport(lib, name);
            r.rsvgNewFromData = (delegate* unmanaged[Cdecl]<byte*, nuint, IntPtr*, IntPtr>)F(rsvg, "rsvg_handle_new_from_data");
            if (NativeLibrary.TryGetExport(rsvg, "rsvg_handle_render_document", out var rd))
                r.rsvgRenderDocument = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, RsvgRectangle*, IntPtr*, int>)rd;
            else
                r.rsvgRenderCairo = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int>)F(rsvg, "rsvg_handle_render_cairo");
            r.rsvgSetDpi = (delegate* unmanaged[Cdecl]<IntPtr, double, void>)F(rsvg, "rsvg_handle_set_dpi");
            r.gObjectUnref = (delegate* unmanaged[Cdecl]<IntPtr, void>)F(gobject, "g_object_unref");
            r.gErrorFree = (delegate* unmanaged[Cdecl]<IntPtr, void>)F(glib, "g_error_free");
            r.cairoImageSurfaceCreate = (delegate* unmanaged[Cdecl]<int, int, int, IntPtr>)F(cairo, "cairo_image_surface_create");
            r.cairoCreate = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)F(cairo, "cairo_create");
            r.cairoDestroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)F(cairo, "cairo_destroy");
            r.cairoSurfaceDestroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)F(cairo, "cairo_surface_destroy");
            r.cairoSurfaceFlush = (delegate* unmanaged[Cdecl]<IntPtr, void>)F(cairo, "cairo_surface_flush");
            r.cairoSurfaceStatus = (delegate* unmanaged[Cdecl]<IntPtr, int>)F(cairo, "cairo_surface_status");
            r.cairoSetSourceRgb = (delegate* unmanaged[Cdecl]<IntPtr, double, double, double, void>)F(cairo, "cairo_set_source_rgb");
            r.cairoPaint = (delegate* unmanaged[Cdecl]<IntPtr, void>)F(cairo, "cairo_paint");
            r.cairoScale = (delegate* unmanaged[Cdecl]<IntPtr, double, double, void>)F(cairo, "cairo_scale");
            r.cairoImageSurfaceGetData = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)F(cairo, "cairo_image_surface_get_data");
            r.cairoImageSurfaceGetStride = (delegate* unmanaged[Cdecl]<IntPtr, int>)F(cairo, "cairo_image_surface_get_stride");
            return (r, "");
        }
        catch (EntryPointNotFoundException e)
        {
            return (null, $"PNG export found librsvg and cairo but not a function it needs ({e.Message}); librsvg 2.46 or newer (Debian package librsvg2-2) and libcairo2 are required.");
        }
    }

    /// <summary>Renders SVG bytes into an RGB buffer of pw x ph pixels on white.</summary>
    public byte[] Render(byte[] svg, int width, int height, int pw, int ph, double scale)
    {
        // librsvg and fontconfig are used from one thread at a time: older versions are not safe to share.
        lock (Gate)
        {
            IntPtr error = IntPtr.Zero, handle = IntPtr.Zero, surface = IntPtr.Zero, cr = IntPtr.Zero;
            try
            {
                fixed (byte* data = svg) handle = rsvgNewFromData(data, (nuint)svg.Length, &error);
                if (handle == IntPtr.Zero) throw new SvgRenderException("librsvg could not read the SVG: " + TakeError(ref error));
                rsvgSetDpi(handle, 96);
                surface = cairoImageSurfaceCreate(0 /* CAIRO_FORMAT_ARGB32 */, pw, ph);
                if (cairoSurfaceStatus(surface) != 0) throw new SvgRenderException($"cairo could not create a {pw}x{ph} image.");
                cr = cairoCreate(surface);
                cairoSetSourceRgb(cr, 1, 1, 1);
                cairoPaint(cr);
                int ok;
                if (rsvgRenderDocument != null)
                {
                    var viewport = new RsvgRectangle { X = 0, Y = 0, Width = width * scale, Height = height * scale };
                    ok = rsvgRenderDocument(handle, cr, &viewport, &error);
                }
                else
                {
                    cairoScale(cr, scale, scale);
                    ok = rsvgRenderCairo(handle, cr);
                }
                if (ok == 0) throw new SvgRenderException("librsvg could not render the SVG: " + TakeError(ref error));
                cairoSurfaceFlush(surface);
                var stride = cairoImageSurfaceGetStride(surface);
                var src = cairoImageSurfaceGetData(surface);
                var rgb = new byte[pw * ph * 3];
                // ARGB32 is a native-endian 32-bit word: B, G, R, A in memory on little-endian machines. The white
                // background makes every pixel opaque, so premultiplication changes nothing.
                var little = BitConverter.IsLittleEndian;
                for (var y = 0; y < ph; y++)
                {
                    var row = src + (long)y * stride;
                    var o = y * pw * 3;
                    for (var x = 0; x < pw; x++, o += 3)
                    {
                        var px = row + x * 4;
                        if (little) { rgb[o] = px[2]; rgb[o + 1] = px[1]; rgb[o + 2] = px[0]; }
                        else { rgb[o] = px[1]; rgb[o + 1] = px[2]; rgb[o + 2] = px[3]; }
                    }
                }
                return rgb;
            }
            finally
            {
                if (cr != IntPtr.Zero) cairoDestroy(cr);
                if (surface != IntPtr.Zero) cairoSurfaceDestroy(surface);
                if (handle != IntPtr.Zero) gObjectUnref(handle);
                if (error != IntPtr.Zero) gErrorFree(error);
            }
        }
    }

    private string TakeError(ref IntPtr error)
    {
        if (error == IntPtr.Zero) return "no reason given";
        // GError is { GQuark domain; gint code; gchar *message; }.
        var message = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(error, 8)) ?? "no reason given";
        gErrorFree(error);
        error = IntPtr.Zero;
        return message;
    }
}
