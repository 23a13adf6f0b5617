using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace FuncCnn.Reports;

/// <summary>
/// A small PNG encoder (8-bit greyscale, RGB and RGBA; no interlacing) for the images embedded in SVG and for
/// PNG export. The output depends only on the pixels, so the same image always gives the same bytes.
/// </summary>
public static class PngEncoder
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Encodes an 8-bit greyscale image.</summary>
    /// <param name="pixels">One byte per pixel, row-major.</param>
    /// <param name="width">Columns.</param>
    /// <param name="height">Rows.</param>
    /// <returns>The PNG file's bytes.</returns>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, 1, 0);

    /// <summary>Encodes an 8-bit RGB image.</summary>
    /// <param name="pixels">Three bytes (R, G, B) per pixel, row-major.</param>
    /// <param name="width">Columns.</param>
    /// <param name="height">Rows.</param>
    /// <returns>The PNG file's bytes.</returns>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, 3, 2);

    /// <summary>Encodes an 8-bit RGBA image (straight, not premultiplied, alpha).</summary>
    /// <param name="pixels">Four bytes (R, G, B, A) per pixel, row-major.</param>
    /// <param name="width">Columns.</param>
    /// <param name="height">Rows.</param>
    /// <returns>The PNG file's bytes.</returns>
    public static byte[] EncodeRgba(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, 4, 6);

    private static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels, byte colorType)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"A PNG needs a positive size; got {width}x{height}.");
        var rowBytes = width * channels;
        if (pixels.Length != rowBytes * height)
            throw new ArgumentException($"A {width}x{height} image with {channels} channel(s) needs {rowBytes * height} bytes; got {pixels.Length}.", nameof(pixels));

        // Each row gets the filter that makes it smallest by the usual heuristic (least sum of absolute values):
        // None or Sub or Up, which together cover flat areas, gradients and repeated rows (upscaled pixels).
        var filtered = new byte[(rowBytes + 1) * height];
        var sub = new byte[rowBytes];
        var up = new byte[rowBytes];
        for (var y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * rowBytes, rowBytes);
            var dest = filtered.AsSpan(y * (rowBytes + 1) + 1, rowBytes);
            row[..channels].CopyTo(sub);
            Difference(row[channels..], row[..^channels], sub.AsSpan(channels));
            var best = Cost(row);
            ReadOnlySpan<byte> chosen = row;
            byte type = 0;
            var c = Cost(sub);
            if (c < best) { best = c; chosen = sub; type = 1; }
            if (y > 0)
            {
                Difference(row, pixels.Slice((y - 1) * rowBytes, rowBytes), up);
                if (Cost(up) < best) { chosen = up; type = 2; }
            }
            chosen.CopyTo(dest);
            filtered[y * (rowBytes + 1)] = type;
        }

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(filtered);

        using var png = new MemoryStream();
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; header[9] = colorType; header[10] = 0; header[11] = 0; header[12] = 0;
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>dest[i] = a[i] - b[i] modulo 256.</summary>
    private static void Difference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> dest)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
                (new Vector<byte>(a[i..]) - new Vector<byte>(b[i..])).CopyTo(dest[i..]);
        for (; i < a.Length; i++) dest[i] = (byte)(a[i] - b[i]);
    }

    /// <summary>The sum over a filtered row of each byte's distance from zero, read as a signed byte.</summary>
    private static long Cost(ReadOnlySpan<byte> row)
    {
        long sum = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<uint>.Zero;
            for (; i <= row.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                var v = new Vector<byte>(row[i..]);
                var d = Vector.Min(v, Vector<byte>.Zero - v);
                Vector.Widen(d, out var lo, out var hi);
                Vector.Widen(lo + hi, out var a, out var b);
                acc += a + b;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < row.Length; i++) { var b = row[i]; sum += b < 128 ? b : 256 - b; }
        return sum;
    }

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        s.Write(four);
        s.Write(type);
        s.Write(data);
        var crc = Crc32.Append(Crc32.Append(Crc32.Initial, type), data);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32.Finish(crc));
        s.Write(four);
    }
}

/// <summary>The CRC-32 of PNG and zlib (polynomial 0xEDB88320, reflected), table-driven.</summary>
internal static class Crc32
{
    public const uint Initial = 0xFFFFFFFFu;

    private static readonly uint[] Table = MakeTable();

    private static uint[] MakeTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    /// <summary>Feeds bytes into a running CRC (start from <see cref="Initial"/>).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The final CRC value of a running CRC.</summary>
    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    /// <summary>The CRC-32 of some bytes.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));
}
