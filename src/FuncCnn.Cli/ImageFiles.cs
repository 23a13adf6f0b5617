using System.Globalization;
using System.Text;

namespace FuncCnn.Cli;

/// <summary>
/// Reads a grayscale image for predict: PNG, JPEG or BMP (any size and colour: made grey and resized to
/// the model's input), a PGM (P2 text or P5 binary, 8-bit) or raw bytes (one per pixel) of the model's size.
/// </summary>
internal static class ImageFiles
{
    /// <summary>The pixels scaled to [0,1], row-major, checked against the expected height and width.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="height">The model's input height.</param>
    /// <param name="width">The model's input width.</param>
    /// <param name="invert">Invert PNG/JPEG/BMP images (a dark drawing on a light background).</param>
    public static float[] Read(string path, int height, int width, bool invert = false)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file '{path}' not found.", path);
        long expected = (long)height * width;
        // never more than a PGM (up to 4 text bytes a pixel) or raw image of this size can hold:
        // a huge file or a device such as /dev/zero fails fast instead of filling memory
        long limit = 65536 + 16 * expected;
        var bytes = ReadAtMost(path, limit);
        if (bytes is null)
        {
            var head = Head(path);
            if (FuncCnn.Core.Data.ImageFile.looksLikeImage(head))
                return ImageFile.Read(path, new ImageReadOptions { Grayscale = true, Height = height, Width = width, Invert = invert }).ToArray();
            // a PGM larger than this model's images: its header alone says what is wrong
            if (head.Length >= 2 && head[0] == 'P' && (head[1] == '2' || head[1] == '5'))
                return ReadPgm(path, Prefix(path, 65536), height, width);
            throw new InvalidDataException($"{path}: more than {limit} bytes, too large for a PGM or raw {height}x{width} image (raw images hold {expected} bytes, one per pixel); PNG, JPEG and BMP files are resized.");
        }
        if (FuncCnn.Core.Data.ImageFile.looksLikeImage(bytes))
            return ImageFile.Read(path, new ImageReadOptions { Grayscale = true, Height = height, Width = width, Invert = invert }).ToArray();
        if (bytes.Length >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5')) return ReadPgm(path, bytes, height, width);
        if (bytes.LongLength != expected)
            throw new InvalidDataException($"{path}: a raw image must hold {expected} bytes ({height}x{width}, one byte per pixel), found {bytes.Length}; or give a PGM (P2/P5) file.");
        return bytes.Select(b => b / 255f).ToArray();
    }

    /// <summary>The file's bytes, or null when it holds more than <paramref name="limit"/>.</summary>
    private static byte[]? ReadAtMost(string path, long limit)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (fs.CanSeek && fs.Length > limit) return null;
        using var ms = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = fs.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + n > limit) return null;
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    private static byte[] Head(string path) => Prefix(path, 16);

    private static byte[] Prefix(string path, int length)
    {
        var head = new byte[length];
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        int n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..n];
    }

    private static float[] ReadPgm(string path, byte[] bytes, int height, int width)
    {
        int pos = 2;
        string Token()
        {
            while (pos < bytes.Length)
            {
                if (bytes[pos] == '#') { while (pos < bytes.Length && bytes[pos] != '\n') pos++; }
                else if (char.IsWhiteSpace((char)bytes[pos])) pos++;
                else break;
            }
            int start = pos;
            while (pos < bytes.Length && !char.IsWhiteSpace((char)bytes[pos]) && bytes[pos] != '#') pos++;
            if (start == pos) throw new InvalidDataException($"{path}: the PGM file ends early.");
            return Encoding.ASCII.GetString(bytes, start, pos - start);
        }
        int Number(string what)
        {
            var t = Token();
            if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                throw new InvalidDataException($"{path}: the PGM {what} '{t}' is not a number (or too large).");
            return v;
        }
        bool binary = bytes[1] == '5';
        int w = Number("width"), h = Number("height"), max = Number("maximum value");
        if (max < 1 || max > 255) throw new InvalidDataException($"{path}: only 8-bit PGM files are supported (maximum value 1-255), found {max}.");
        // sizes in 64 bits: a header such as 46341x46341 must not overflow into a negative pixel count
        long count = (long)w * h;
        if (w < 1 || h < 1 || count > Array.MaxLength)
            throw new InvalidDataException($"{path}: the PGM declares a {w}x{h} image ({count} pixels), which is not a valid image size.");
        if (w != width || h != height)
            throw new InvalidDataException($"{path}: the image is {w}x{h} but the model takes {width}x{height} images; resize it first (white digit on black, as in MNIST), or give a PNG/JPEG/BMP file, which is resized.");
        if (binary && bytes.Length - 2 < count)
            throw new InvalidDataException($"{path}: the PGM file holds fewer than the {count} pixel bytes it declares.");
        var pixels = new float[count];
        if (binary)
        {
            pos++; // the single whitespace after the maximum value
            if (bytes.Length - pos < pixels.Length) throw new InvalidDataException($"{path}: the PGM file holds {bytes.Length - pos} pixel bytes, {pixels.Length} expected.");
            for (int i = 0; i < pixels.Length; i++) pixels[i] = Math.Min(bytes[pos + i], max) / (float)max;
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++) pixels[i] = Math.Min(Number("pixel"), max) / (float)max;
        }
        return pixels;
    }
}
