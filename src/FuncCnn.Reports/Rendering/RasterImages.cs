namespace FuncCnn.Reports;

/// <summary>Turns rasters into PNG bytes for embedding: values through the colour map, upscaled by whole pixels.</summary>
internal static class RasterImages
{
    /// <summary>The largest side, in pixels, an upscaled raster may reach.</summary>
    private const int MaxSide = 320;

    /// <summary>
    /// Encodes a raster as PNG, each value repeated in a block of whole pixels so that the image is at least about
    /// as large as it is drawn: renderers that smooth images then blur only the block edges, not the pixels.
    /// </summary>
    public static byte[] Encode(Raster raster, double displayWidth, double displayHeight)
    {
        var kx = Factor(displayWidth, raster.Width);
        var ky = Factor(displayHeight, raster.Height);
        return Encode(raster.Pixels, raster.Height, raster.Width, raster.Minimum, raster.Maximum, raster.ColorMap, kx, ky);
    }

    private static int Factor(double display, int pixels)
    {
        var k = (int)Math.Ceiling(display / pixels - 1e-9);
        return Math.Clamp(k, 1, Math.Max(1, MaxSide / pixels));
    }

    public static byte[] Encode(float[] pixels, int height, int width, double min, double max, ColorMap map, int kx, int ky)
    {
        var outW = width * kx;
        var outH = height * ky;
        var range = max > min ? max - min : 0;
        var scale = range > 0 ? 255.0 / range : 0;
        byte Index(float v)
        {
            if (float.IsNaN(v) || range == 0) return 0;
            var t = (v - min) * scale;
            return t <= 0 ? (byte)0 : t >= 255 ? (byte)255 : (byte)Math.Round(t);
        }

        if (map is ColorMap.Gray or ColorMap.GrayReversed)
        {
            var gray = new byte[outW * outH];
            var flip = map == ColorMap.GrayReversed;
            for (var y = 0; y < height; y++)
            {
                var row = gray.AsSpan(y * ky * outW, outW);
                for (var x = 0; x < width; x++)
                {
                    var v = Index(pixels[y * width + x]);
                    row.Slice(x * kx, kx).Fill(flip ? (byte)(255 - v) : v);
                }
                for (var r = 1; r < ky; r++) row.CopyTo(gray.AsSpan((y * ky + r) * outW, outW));
            }
            return PngEncoder.EncodeGray(gray, outW, outH);
        }

        var table = ColorMaps.Table(map);
        var rgb = new byte[outW * outH * 3];
        for (var y = 0; y < height; y++)
        {
            var row = rgb.AsSpan(y * ky * outW * 3, outW * 3);
            for (var x = 0; x < width; x++)
            {
                var c = table[Index(pixels[y * width + x])];
                for (var i = 0; i < kx; i++)
                {
                    var o = (x * kx + i) * 3;
                    row[o] = c.R; row[o + 1] = c.G; row[o + 2] = c.B;
                }
            }
            for (var r = 1; r < ky; r++) row.CopyTo(rgb.AsSpan((y * ky + r) * outW * 3, outW * 3));
        }
        return PngEncoder.EncodeRgb(rgb, outW, outH);
    }

    /// <summary>A vertical colour bar: the maximum at the top.</summary>
    public static byte[] ColorBar(ColorMap map, int steps = 128)
    {
        var values = new float[steps];
        for (var i = 0; i < steps; i++) values[i] = (float)(steps - 1 - i) / (steps - 1);
        return Encode(values, steps, 1, 0, 1, map, 4, 1);
    }
}
