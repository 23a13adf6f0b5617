using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;

namespace FuncCnn.Reports;

/// <summary>
/// A chart laid out in pixels: two hidden axes map x 0..width and y 0..height (y down) onto the plot area,
/// and the content is annotations — images, text, rectangles, arrows — at exact positions. Multi-panel
/// teaching pictures (image grids, a pipeline, a model diagram) are built this way; OxyPlot draws the title.
/// </summary>
internal sealed class Canvas
{
    private double _width;
    private double _height;

    internal Canvas(string title, string? subtitle)
    {
        Model = Style.NewModel(title, subtitle);
        Model.Padding = new OxyThickness(0, 8, 0, 0);
        Model.PlotMargins = new OxyThickness(0);
        Model.PlotAreaBorderThickness = new OxyThickness(0);
        Model.IsLegendVisible = false;
    }

    internal PlotModel Model { get; }

    /// <summary>Makes sure the canvas reaches at least (x, y).</summary>
    internal void Extend(double x, double y)
    {
        _width = Math.Max(_width, x);
        _height = Math.Max(_height, y);
    }

    /// <summary>An image with its top-left corner at (x, y), drawn w x h pixels; pixels stay square blocks (no smoothing).</summary>
    internal ImageAnnotation Image(OxyImage image, double x, double y, double w, double h, bool framed = false)
    {
        var a = new ImageAnnotation
        {
            ImageSource = image,
            X = new PlotLength(x, PlotLengthUnit.Data),
            Y = new PlotLength(y, PlotLengthUnit.Data),
            Width = new PlotLength(w, PlotLengthUnit.Data),
            Height = new PlotLength(h, PlotLengthUnit.Data),
            HorizontalAlignment = HorizontalAlignment.Left,
            VerticalAlignment = VerticalAlignment.Top,
            Interpolate = false,
            Layer = AnnotationLayer.BelowSeries,
        };
        Model.Annotations.Add(a);
        if (framed) Rect(x - 0.5, y - 0.5, w + 1, h + 1, OxyColors.Undefined, ChartColors.Frame, 1);
        Extend(x + w, y + h);
        return a;
    }

    /// <summary>Text anchored at (x, y); every line of a multi-line text is its own annotation, one line height apart.</summary>
    internal IReadOnlyList<TextAnnotation> Text(double x, double y, string text, OxyColor color, double size = 12, bool bold = false,
        HorizontalAlignment h = HorizontalAlignment.Center, VerticalAlignment v = VerticalAlignment.Top, double rotation = 0)
    {
        var lines = text.Split('\n');
        var list = new List<TextAnnotation>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var a = new TextAnnotation
            {
                Text = lines[i],
                TextPosition = new DataPoint(x, y + i * size * 1.25),
                TextColor = color,
                FontSize = size,
                FontWeight = bold ? FontWeights.Bold : FontWeights.Normal,
                TextHorizontalAlignment = h,
                TextVerticalAlignment = v,
                TextRotation = rotation,
                Stroke = OxyColors.Undefined,
                StrokeThickness = 0,
                Padding = new OxyThickness(0),
                Background = OxyColors.Undefined,
            };
            Model.Annotations.Add(a);
            list.Add(a);
        }
        var width = Style.TextWidth(text, size, bold);
        var right = h switch { HorizontalAlignment.Left => x + width, HorizontalAlignment.Center => x + width / 2, _ => x };
        Extend(rotation == 0 ? right : x + size, y + lines.Length * size * 1.25);
        return list;
    }

    /// <summary>A rectangle from (x, y), w x h, filled and/or outlined.</summary>
    internal RectangleAnnotation Rect(double x, double y, double w, double h, OxyColor fill, OxyColor stroke, double thickness = 1)
    {
        var a = new RectangleAnnotation
        {
            MinimumX = x, MaximumX = x + w, MinimumY = y, MaximumY = y + h,
            Fill = fill, Stroke = stroke, StrokeThickness = thickness,
            Layer = AnnotationLayer.AboveSeries,
        };
        Model.Annotations.Add(a);
        Extend(x + w, y + h);
        return a;
    }

    /// <summary>An arrow from one point to another.</summary>
    internal ArrowAnnotation Arrow(double x1, double y1, double x2, double y2)
    {
        var a = new ArrowAnnotation
        {
            StartPoint = new DataPoint(x1, y1), EndPoint = new DataPoint(x2, y2),
            Color = OxyColor.FromRgb(110, 110, 110), StrokeThickness = 2, HeadLength = 7, HeadWidth = 4,
        };
        Model.Annotations.Add(a);
        Extend(Math.Max(x1, x2), Math.Max(y1, y2));
        return a;
    }

    /// <summary>Fixes the axes to the content plus a margin and records the size; returns the model.</summary>
    internal PlotModel Finish(double margin = 12)
    {
        var w = Math.Ceiling(_width + margin);
        var h = Math.Ceiling(_height + margin);
        Model.Axes.Add(Hidden(AxisPosition.Bottom, w, false));
        Model.Axes.Add(Hidden(AxisPosition.Left, h, true));
        return Model.With(w, h, canvas: true);
    }

    private static LinearAxis Hidden(AxisPosition position, double max, bool down) => new()
    {
        Position = position, Minimum = 0, Maximum = max, IsAxisVisible = false,
        StartPosition = down ? 1 : 0, EndPosition = down ? 0 : 1,
        MinimumPadding = 0, MaximumPadding = 0, IsZoomEnabled = false, IsPanEnabled = false,
        Key = position == AxisPosition.Bottom ? "x" : "y",
    };
}
