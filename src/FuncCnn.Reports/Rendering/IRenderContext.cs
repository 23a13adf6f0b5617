namespace FuncCnn.Reports;

/// <summary>A point in the figure's pixel coordinates (x to the right, y down).</summary>
/// <param name="X">Horizontal position.</param>
/// <param name="Y">Vertical position.</param>
public readonly record struct ScreenPoint(double X, double Y);

/// <summary>Where text sits horizontally relative to its anchor point.</summary>
public enum HorizontalAlign
{
    /// <summary>The text starts at the anchor.</summary>
    Left,
    /// <summary>The text is centred on the anchor.</summary>
    Center,
    /// <summary>The text ends at the anchor.</summary>
    Right,
}

/// <summary>Where text sits vertically relative to its anchor point.</summary>
public enum VerticalAlign
{
    /// <summary>The top of the capitals is at the anchor.</summary>
    Top,
    /// <summary>The text is centred on the anchor.</summary>
    Middle,
    /// <summary>The baseline is at the anchor.</summary>
    Baseline,
}

/// <summary>How a run of text is drawn.</summary>
/// <param name="FontSize">The font size in pixels.</param>
/// <param name="Color">The fill colour.</param>
/// <param name="Bold">Bold weight when true.</param>
/// <param name="HorizontalAlign">Horizontal placement relative to the anchor.</param>
/// <param name="VerticalAlign">Vertical placement relative to the anchor.</param>
/// <param name="Rotation">Degrees, clockwise, about the anchor (-90 reads bottom to top).</param>
public sealed record TextStyle(
    double FontSize,
    Color Color,
    bool Bold = false,
    HorizontalAlign HorizontalAlign = HorizontalAlign.Left,
    VerticalAlign VerticalAlign = VerticalAlign.Baseline,
    double Rotation = 0);

/// <summary>
/// The few drawing calls a chart needs (OxyPlot's IRenderContext, smaller). The figure renderer lays charts out
/// and calls these; an exporter implements them for one format.
/// </summary>
public interface IRenderContext
{
    /// <summary>Draws an axis-aligned rectangle.</summary>
    /// <param name="x">Left edge.</param>
    /// <param name="y">Top edge.</param>
    /// <param name="width">Width.</param>
    /// <param name="height">Height.</param>
    /// <param name="fill">The fill colour, or null for none.</param>
    /// <param name="stroke">The outline colour, or null for none.</param>
    /// <param name="strokeWidth">The outline width.</param>
    void DrawRectangle(double x, double y, double width, double height, Color? fill, Color? stroke = null, double strokeWidth = 1);

    /// <summary>Draws connected line segments.</summary>
    /// <param name="points">The points, in order (at least two).</param>
    /// <param name="stroke">The line colour.</param>
    /// <param name="strokeWidth">The line width.</param>
    /// <param name="dashed">Dashed when true.</param>
    void DrawPolyline(IReadOnlyList<ScreenPoint> points, Color stroke, double strokeWidth = 1, bool dashed = false);

    /// <summary>Draws a filled closed polygon.</summary>
    /// <param name="points">The corners, in order.</param>
    /// <param name="fill">The fill colour.</param>
    /// <param name="stroke">The outline colour, or null for none.</param>
    void DrawPolygon(IReadOnlyList<ScreenPoint> points, Color fill, Color? stroke = null);

    /// <summary>Draws a filled circle.</summary>
    /// <param name="centerX">Centre, horizontal.</param>
    /// <param name="centerY">Centre, vertical.</param>
    /// <param name="radius">Radius.</param>
    /// <param name="fill">The fill colour.</param>
    void DrawCircle(double centerX, double centerY, double radius, Color fill);

    /// <summary>Draws one line of text.</summary>
    /// <param name="x">The anchor, horizontal.</param>
    /// <param name="y">The anchor, vertical.</param>
    /// <param name="text">The text (one line).</param>
    /// <param name="style">Font size, colour, weight, alignment and rotation.</param>
    void DrawText(double x, double y, string text, TextStyle style);

    /// <summary>Draws a PNG image stretched to the rectangle, without smoothing (pixels stay crisp squares).</summary>
    /// <param name="x">Left edge.</param>
    /// <param name="y">Top edge.</param>
    /// <param name="width">Drawn width.</param>
    /// <param name="height">Drawn height.</param>
    /// <param name="png">The PNG file's bytes.</param>
    void DrawImage(double x, double y, double width, double height, byte[] png);

    /// <summary>Starts a group of drawing calls that belong together (a cell, an image with its caption).</summary>
    /// <param name="id">A document-unique identifier, or null.</param>
    /// <param name="cssClass">A class name, or null.</param>
    void BeginGroup(string? id, string? cssClass);

    /// <summary>Ends the group started last by <see cref="BeginGroup"/>.</summary>
    void EndGroup();
}
