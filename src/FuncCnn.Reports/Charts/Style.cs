using System.Globalization;
using System.Runtime.CompilerServices;
using OxyPlot;
using OxyPlot.Axes;

namespace FuncCnn.Reports;

/// <summary>The colours the charts use, so that a caller can match them (and tests can check them).</summary>
public static class ChartColors
{
    /// <summary>Body text.</summary>
    public static OxyColor Text { get; } = OxyColor.FromRgb(34, 34, 34);

    /// <summary>Secondary text (captions that are not verdicts, axis notes).</summary>
    public static OxyColor MutedText { get; } = OxyColor.FromRgb(85, 85, 85);

    /// <summary>A right prediction's caption.</summary>
    public static OxyColor Right { get; } = OxyColor.FromRgb(27, 127, 59);

    /// <summary>A wrong prediction's caption.</summary>
    public static OxyColor Wrong { get; } = OxyColor.FromRgb(200, 30, 30);

    /// <summary>The first series (training).</summary>
    public static OxyColor SeriesBlue { get; } = OxyColor.FromRgb(31, 119, 180);

    /// <summary>The second series (validation).</summary>
    public static OxyColor SeriesOrange { get; } = OxyColor.FromRgb(230, 110, 10);

    /// <summary>The thin frame drawn around images and matrices.</summary>
    public static OxyColor Frame { get; } = OxyColor.FromRgb(150, 150, 150);

    /// <summary>Grid lines.</summary>
    public static OxyColor Grid { get; } = OxyColor.FromRgb(225, 225, 225);

    /// <summary>The outline of the convolution window.</summary>
    public static OxyColor Highlight { get; } = OxyColor.FromRgb(230, 110, 10);
}

/// <summary>Shared defaults of every chart: fonts, margins, the white page.</summary>
internal static class Style
{
    internal const string Font = "DejaVu Sans";
    internal static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A new model with the house style: white background, DejaVu Sans, title and subtitle.</summary>
    internal static PlotModel NewModel(string title, string? subtitle)
    {
        var model = new PlotModel
        {
            Title = title,
            Subtitle = subtitle,
            Background = OxyColors.White,
            DefaultFont = Font,
            DefaultFontSize = 12,
            TitleFontSize = 17,
            TitleFontWeight = FontWeights.Bold,
            SubtitleFontSize = 12,
            SubtitleColor = ChartColors.MutedText,
            TextColor = ChartColors.Text,
            TitlePadding = 8,
            // centred on the whole picture, not the plot area: a long title over a narrow plot (the confusion
            // matrix beside its colour bar) would otherwise be clipped at the left edge
            TitleHorizontalAlignment = TitleHorizontalAlignment.CenteredWithinView,
            Padding = new OxyThickness(8),
            PlotAreaBorderColor = OxyColor.FromRgb(120, 120, 120),
            IsLegendVisible = true,
        };
        return model;
    }

    internal static string Percent(double fraction, int decimals = 2) =>
        (fraction * 100).ToString("F" + decimals.ToString(Inv), Inv) + "%";

    internal static string Count(long n) => n.ToString("#,0", Inv);

    /// <summary>A number with the typographic minus sign, which reads better than a hyphen.</summary>
    internal static string Num(double v, string format = "0.####")
    {
        var s = v.ToString(format, Inv);
        return s == "-0" ? "0" : s.Replace('-', '−');
    }

    internal static string Shape(params int[] dims) => string.Join("×", dims.Select(d => d.ToString(Inv)));

    /// <summary>A rough width of text in pixels (DejaVu Sans averages 0.6 em per character), for layout choices only.</summary>
    internal static double TextWidth(string text, double size, bool bold = false) =>
        text.Split('\n').Max(l => l.Length) * size * (bold ? 0.66 : 0.6);
}

/// <summary>The size a chart is meant to be drawn at, recorded beside its <see cref="PlotModel"/>.</summary>
/// <param name="Width">Width in pixels (device-independent, 96 per inch).</param>
/// <param name="Height">Height in pixels; for a canvas chart, the height of its content under the title.</param>
/// <param name="IsCanvas">True when the chart is laid out in pixel coordinates and the title comes on top.</param>
internal sealed record ChartSize(double Width, double Height, bool IsCanvas);

/// <summary>Where each chart's intended size is kept (a PlotModel has no slot for it).</summary>
internal static class ChartSizes
{
    private static readonly ConditionalWeakTable<PlotModel, ChartSize> Sizes = new();

    internal static PlotModel With(this PlotModel model, double width, double height, bool canvas = false)
    {
        Sizes.AddOrUpdate(model, new ChartSize(width, height, canvas));
        return model;
    }

    internal static ChartSize? Of(PlotModel model) => Sizes.TryGetValue(model, out var s) ? s : null;
}
