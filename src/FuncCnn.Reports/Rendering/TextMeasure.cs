namespace FuncCnn.Reports;

/// <summary>
/// Estimates text extents without a font library, from the advance widths of DejaVu Sans (the first font in
/// the figures' font list) for printable ASCII; other characters count as wide. Layout uses these estimates
/// to keep labels from overlapping or being clipped.
/// </summary>
public static class TextMeasure
{
    /// <summary>The font list written into every SVG.</summary>
    public const string FontFamily = "'DejaVu Sans', Arial, Helvetica, sans-serif";

    // Advance widths in em for U+0020..U+007E, read from DejaVuSans.ttf and DejaVuSans-Bold.ttf (hmtx).
    private static readonly double[] Regular =
    [
        0.318, 0.401, 0.460, 0.838, 0.636, 0.950, 0.780, 0.275, 0.390, 0.390, 0.500, 0.838, 0.318, 0.361, 0.318, 0.337,
        0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531,
        1.000, 0.684, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787,
        0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.390, 0.337, 0.390, 0.838, 0.500,
        0.500, 0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612,
        0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
    ];

    private static readonly double[] BoldWidths =
    [
        0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, 0.523, 0.838, 0.380, 0.415, 0.380, 0.365,
        0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.400, 0.400, 0.838, 0.838, 0.838, 0.580,
        1.000, 0.774, 0.762, 0.734, 0.830, 0.683, 0.683, 0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837, 0.850,
        0.733, 0.850, 0.770, 0.720, 0.682, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.365, 0.457, 0.838, 0.500,
        0.500, 0.675, 0.716, 0.593, 0.716, 0.678, 0.435, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687,
        0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582, 0.712, 0.365, 0.712, 0.838,
    ];

    /// <summary>The estimated width in pixels of one line of text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="fontSize">The font size in pixels.</param>
    /// <param name="bold">True for bold weight.</param>
    /// <returns>The width; a few percent wider than DejaVu Sans draws it, so other fonts in the list fit too.</returns>
    public static double Width(string text, double fontSize, bool bold = false)
    {
        var table = bold ? BoldWidths : Regular;
        double em = 0;
        foreach (var c in text)
        {
            if (c >= ' ' && c <= '~') em += table[c - ' '];
            else if (char.IsLowSurrogate(c)) continue;
            else em += c switch
            {
                '×' or '→' or '−' or '±' => 0.838,
                '—' or '…' => 1.0,
                '–' or '°' => 0.5,
                _ => char.IsLetterOrDigit(c) && c < 0x2E80 ? 0.68 : 1.0,
            };
        }
        return em * fontSize * 1.03;
    }

    /// <summary>The widest of several lines.</summary>
    /// <param name="lines">The lines.</param>
    /// <param name="fontSize">The font size in pixels.</param>
    /// <param name="bold">True for bold weight.</param>
    /// <returns>The largest width, 0 for no lines.</returns>
    public static double MaxWidth(IEnumerable<string> lines, double fontSize, bool bold = false)
    {
        double max = 0;
        foreach (var line in lines) max = Math.Max(max, Width(line, fontSize, bold));
        return max;
    }

    /// <summary>Shortens text with an ellipsis so that it fits a width.</summary>
    /// <param name="text">The text.</param>
    /// <param name="fontSize">The font size in pixels.</param>
    /// <param name="maxWidth">The width it must fit.</param>
    /// <param name="bold">True for bold weight.</param>
    /// <returns>The text itself when it fits, else its longest prefix that fits with "…" appended.</returns>
    public static string Fit(string text, double fontSize, double maxWidth, bool bold = false)
    {
        if (Width(text, fontSize, bold) <= maxWidth) return text;
        for (var n = text.Length - 1; n > 0; n--)
        {
            var candidate = text[..n].TrimEnd() + "…";
            if (Width(candidate, fontSize, bold) <= maxWidth) return candidate;
        }
        return "…";
    }
}
