using System.Globalization;

namespace FuncCnn.Reports;

/// <summary>An sRGB colour with 8 bits per channel and an alpha channel (255 is opaque).</summary>
/// <param name="R">Red, 0–255.</param>
/// <param name="G">Green, 0–255.</param>
/// <param name="B">Blue, 0–255.</param>
/// <param name="A">Alpha, 0 (transparent) to 255 (opaque).</param>
public readonly record struct Color(byte R, byte G, byte B, byte A = 255)
{
    /// <summary>Opaque black.</summary>
    public static Color Black { get; } = new(0, 0, 0);

    /// <summary>Opaque white.</summary>
    public static Color White { get; } = new(255, 255, 255);

    /// <summary>The dark grey used for ordinary text.</summary>
    public static Color Text { get; } = new(34, 34, 34);

    /// <summary>The mid grey used for secondary text such as subtitles and tick labels.</summary>
    public static Color MutedText { get; } = new(85, 85, 85);

    /// <summary>The light grey used for grid lines.</summary>
    public static Color GridLine { get; } = new(225, 225, 225);

    /// <summary>The grey used for axis lines and frames.</summary>
    public static Color Axis { get; } = new(120, 120, 120);

    /// <summary>The green used for a right prediction (readable on white).</summary>
    public static Color Right { get; } = new(27, 127, 59);

    /// <summary>The red used for a wrong prediction (readable on white).</summary>
    public static Color Wrong { get; } = new(200, 30, 30);

    /// <summary>Series colour 1 (blue), used for training data.</summary>
    public static Color SeriesBlue { get; } = new(31, 119, 180);

    /// <summary>Series colour 2 (orange), used for validation data.</summary>
    public static Color SeriesOrange { get; } = new(230, 110, 10);

    /// <summary>Parses <c>#rrggbb</c> or <c>#rrggbbaa</c>.</summary>
    /// <param name="hex">The colour in hexadecimal notation, with the leading '#'.</param>
    /// <returns>The colour.</returns>
    /// <exception cref="FormatException">When <paramref name="hex"/> is not in one of the two forms.</exception>
    public static Color FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length is not (7 or 9) || hex[0] != '#')
            throw new FormatException($"A colour is written #rrggbb or #rrggbbaa; got '{hex}'.");
        byte Part(int i) => byte.Parse(hex.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new Color(Part(1), Part(3), Part(5), hex.Length == 9 ? Part(7) : (byte)255);
    }

    /// <summary>The colour as <c>#rrggbb</c> (alpha is not included).</summary>
    /// <returns>Seven characters, lower-case hexadecimal.</returns>
    public string ToHex() => string.Create(CultureInfo.InvariantCulture, $"#{R:x2}{G:x2}{B:x2}");

    /// <summary>The perceived brightness, 0 (black) to 1 (white), by the Rec. 601 luma weights.</summary>
    public double Luminance => (0.299 * R + 0.587 * G + 0.114 * B) / 255.0;
}
