using System.Globalization;
using System.Text;

namespace FuncCnn.Cli;

/// <summary>Reads a grayscale image for predict: a PGM (P2 text or P5 binary, 8-bit) or raw bytes (one per pixel).</summary>
internal static class ImageFiles
{
    /// <summary>The pixels scaled to [0,1], row-major, checked against the expected height and width.</summary>
    public static float[] Read(string path, int height, int width)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file '{path}' not found.", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5')) return ReadPgm(path, bytes, height, width);
        if (bytes.Length != height * width)
            throw new InvalidDataException($"{path}: a raw image must hold {height * width} bytes ({height}x{width}, one byte per pixel), found {bytes.Length}; or give a PGM (P2/P5) file.");
        return bytes.Select(b => b / 255f).ToArray();
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
                throw new InvalidDataException($"{path}: the PGM {what} '{t}' is not a number.");
            return v;
        }
        bool binary = bytes[1] == '5';
        int w = Number("width"), h = Number("height"), max = Number("maximum value");
        if (max < 1 || max > 255) throw new InvalidDataException($"{path}: only 8-bit PGM files are supported (maximum value 1-255), found {max}.");
        if (w != width || h != height)
            throw new InvalidDataException($"{path}: the image is {w}x{h} but the model takes {width}x{height} images; resize it first (white digit on black, as in MNIST).");
        var pixels = new float[w * h];
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
