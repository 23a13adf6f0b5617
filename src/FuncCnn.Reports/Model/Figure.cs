namespace FuncCnn.Reports;

/// <summary>
/// A chart: a title, an optional subtitle and rows of panels. A figure is an immutable description;
/// its size follows from its panels, and <see cref="SvgExporter"/> and <see cref="PngExporter"/> render it.
/// </summary>
/// <param name="Title">The title drawn at the top, in bold.</param>
/// <param name="Rows">The rows of panels, top to bottom; each row is centred horizontally.</param>
public sealed record Figure(string Title, IReadOnlyList<FigureRow> Rows)
{
    /// <summary>A line of smaller text under the title (headline numbers, what the colours mean), or null.</summary>
    public string? Subtitle { get; init; }

    /// <summary>A figure of one row holding the given panels.</summary>
    /// <param name="title">The title.</param>
    /// <param name="panels">The panels, left to right.</param>
    /// <returns>The figure.</returns>
    public static Figure Single(string title, params Panel[] panels) => new(title, [new FigureRow(panels)]);
}

/// <summary>One row of panels in a <see cref="Figure"/>, laid out left to right.</summary>
/// <param name="Panels">The panels.</param>
public sealed record FigureRow(IReadOnlyList<Panel> Panels)
{
    /// <summary>A row of the given panels.</summary>
    /// <param name="panels">The panels, left to right.</param>
    public FigureRow(params Panel[] panels) : this((IReadOnlyList<Panel>)panels) { }

    /// <summary>When true, an arrow is drawn between neighbouring panels (a pipeline read left to right).</summary>
    public bool Arrows { get; init; }
}

/// <summary>A rectangular part of a figure with a title: a plot, a heat map, an image grid, bars or a table.</summary>
/// <param name="Title">The panel's title, drawn above it; empty for none.</param>
public abstract record Panel(string Title);

/// <summary>How a marker on a line series is drawn.</summary>
public enum MarkerShape
{
    /// <summary>No marker.</summary>
    None,
    /// <summary>A filled circle.</summary>
    Circle,
    /// <summary>A filled square.</summary>
    Square,
    /// <summary>A filled upward triangle.</summary>
    Triangle,
    /// <summary>A filled diamond.</summary>
    Diamond,
}

/// <summary>How raster values map to colours.</summary>
public enum ColorMap
{
    /// <summary>Minimum is black, maximum is white.</summary>
    Gray,
    /// <summary>Minimum is white, maximum is black (ink on paper).</summary>
    GrayReversed,
    /// <summary>Sequential white to dark blue (matplotlib's Blues): larger is darker.</summary>
    Blues,
    /// <summary>Diverging blue–white–red (matplotlib's RdBu_r): the middle of the range is white.</summary>
    Diverging,
    /// <summary>Perceptually uniform dark purple to yellow (matplotlib's viridis).</summary>
    Viridis,
}

/// <summary>A colour scale drawn beside a heat map or image grid, with its value range labelled.</summary>
/// <param name="Minimum">The value at the bottom of the bar.</param>
/// <param name="Maximum">The value at the top of the bar.</param>
/// <param name="ColorMap">The colour map.</param>
/// <param name="Title">A label drawn along the bar, or null.</param>
public sealed record ColorBar(double Minimum, double Maximum, ColorMap ColorMap, string? Title = null);

/// <summary>An axis of an <see cref="XyPlot"/>.</summary>
/// <param name="Title">The axis title.</param>
public sealed record Axis(string Title)
{
    /// <summary>The lowest value shown, or null to fit the data.</summary>
    public double? Minimum { get; init; }

    /// <summary>The highest value shown, or null to fit the data.</summary>
    public double? Maximum { get; init; }

    /// <summary>When true, ticks fall on whole numbers only (epochs).</summary>
    public bool IntegerTicks { get; init; }
}

/// <summary>A line through points, with markers, named in the legend.</summary>
/// <param name="Title">The legend entry.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values, as many as <paramref name="X"/>; NaN leaves a gap.</param>
/// <param name="Color">The line and marker colour.</param>
public sealed record LineSeries(string Title, IReadOnlyList<double> X, IReadOnlyList<double> Y, Color Color)
{
    /// <summary>The marker drawn at each point (markers are left out when there are more than 40 points).</summary>
    public MarkerShape Marker { get; init; } = MarkerShape.Circle;

    /// <summary>When true the line is dashed.</summary>
    public bool Dashed { get; init; }

    /// <summary>The line width in pixels.</summary>
    public double StrokeWidth { get; init; } = 2;
}

/// <summary>A panel of line series over two linear axes, with a legend above the plot area.</summary>
/// <param name="Title">The panel title.</param>
/// <param name="XAxis">The horizontal axis.</param>
/// <param name="YAxis">The vertical axis.</param>
/// <param name="Series">The lines.</param>
public sealed record XyPlot(string Title, Axis XAxis, Axis YAxis, IReadOnlyList<LineSeries> Series) : Panel(Title)
{
    /// <summary>The panel's width in pixels, axes and legend included.</summary>
    public double Width { get; init; } = 460;

    /// <summary>The panel's height in pixels, title, axes and legend included.</summary>
    public double Height { get; init; } = 320;
}

/// <summary>Horizontal bars, one per category, with the value written at the end of each bar.</summary>
/// <param name="Title">The panel title.</param>
/// <param name="Categories">The category names, top to bottom.</param>
/// <param name="Values">One non-negative value per category.</param>
/// <param name="Color">The bar colour.</param>
public sealed record BarPlot(string Title, IReadOnlyList<string> Categories, IReadOnlyList<double> Values, Color Color) : Panel(Title)
{
    /// <summary>The title of the value axis (under the bars).</summary>
    public string ValueAxisTitle { get; init; } = "";

    /// <summary>The .NET format string for the values written at the bars (invariant culture).</summary>
    public string ValueFormat { get; init; } = "#,0";

    /// <summary>The length in pixels of the longest bar.</summary>
    public double PlotWidth { get; init; } = 380;
}

/// <summary>
/// A matrix of coloured cells with row and column labels, optional text in each cell and an optional colour bar
/// (a confusion matrix, a kernel with its values).
/// </summary>
/// <param name="Title">The panel title.</param>
/// <param name="Values">The values, [row, column]; they choose the cell colours.</param>
public sealed record HeatMapPlot(string Title, double[,] Values) : Panel(Title)
{
    /// <summary>One label per row (drawn left of the matrix), or null.</summary>
    public IReadOnlyList<string>? RowLabels { get; init; }

    /// <summary>One label per column (drawn under the matrix, turned when they do not fit), or null.</summary>
    public IReadOnlyList<string>? ColumnLabels { get; init; }

    /// <summary>The title of the row axis (drawn turned, left), or null.</summary>
    public string? RowAxisTitle { get; init; }

    /// <summary>The title of the column axis (drawn under the column labels), or null.</summary>
    public string? ColumnAxisTitle { get; init; }

    /// <summary>The colour map.</summary>
    public ColorMap ColorMap { get; init; } = ColorMap.Blues;

    /// <summary>The value given the first colour of the map, or null for the smallest value.</summary>
    public double? Minimum { get; init; }

    /// <summary>The value given the last colour of the map, or null for the largest value.</summary>
    public double? Maximum { get; init; }

    /// <summary>Text written in each cell, [row, column] (lines split at '\n'), or null for none.</summary>
    public string[,]? CellText { get; init; }

    /// <summary>The side of a cell in pixels.</summary>
    public double CellSize { get; init; } = 40;

    /// <summary>The font size of the cell text in pixels.</summary>
    public double CellFontSize { get; init; } = 12;

    /// <summary>A colour bar beside the matrix, or null.</summary>
    public ColorBar? ColorBar { get; init; }
}

/// <summary>A small raster of values and how they map to colours.</summary>
public sealed record Raster
{
    /// <summary>A raster of <paramref name="height"/> x <paramref name="width"/> values, row-major.</summary>
    /// <param name="pixels">The values, row-major; not copied, so do not change them afterwards.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="minimum">The value drawn with the first colour of the map.</param>
    /// <param name="maximum">The value drawn with the last colour of the map.</param>
    /// <param name="colorMap">The colour map.</param>
    /// <exception cref="ArgumentException">When the sizes do not match the number of values.</exception>
    public Raster(float[] pixels, int height, int width, double minimum, double maximum, ColorMap colorMap)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (height <= 0 || width <= 0 || pixels.Length != height * width)
            throw new ArgumentException($"A raster of {height}x{width} needs {height * width} values; got {pixels.Length}.", nameof(pixels));
        Pixels = pixels; Height = height; Width = width; Minimum = minimum; Maximum = maximum; ColorMap = colorMap;
    }

    /// <summary>The values, row-major.</summary>
    public float[] Pixels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>The value drawn with the first colour of the map.</summary>
    public double Minimum { get; }

    /// <summary>The value drawn with the last colour of the map.</summary>
    public double Maximum { get; }

    /// <summary>The colour map.</summary>
    public ColorMap ColorMap { get; }
}

/// <summary>One image of an <see cref="ImageGridPlot"/> with its caption.</summary>
/// <param name="Raster">The image.</param>
/// <param name="Caption">Text under the image (lines split at '\n'), or null.</param>
public sealed record GridImage(Raster Raster, string? Caption = null)
{
    /// <summary>The caption colour.</summary>
    public Color CaptionColor { get; init; } = Color.Text;

    /// <summary>When true the caption is bold.</summary>
    public bool CaptionBold { get; init; }

    /// <summary>The drawn width in pixels, or null to follow <see cref="ImageGridPlot.CellSize"/> and the aspect ratio.</summary>
    public double? DisplayWidth { get; init; }

    /// <summary>The drawn height in pixels, or null to follow <see cref="ImageGridPlot.CellSize"/> and the aspect ratio.</summary>
    public double? DisplayHeight { get; init; }

    /// <summary>When true a thin grey frame is drawn around the image, so light pixels at its edge (white on a diverging scale) do not melt into the background.</summary>
    public bool Framed { get; init; }
}

/// <summary>Images in a grid, row by row, each with an optional caption; embedded as PNG in the SVG.</summary>
/// <param name="Title">The panel title.</param>
/// <param name="Images">The images, in reading order.</param>
/// <param name="Columns">Images per row.</param>
public sealed record ImageGridPlot(string Title, IReadOnlyList<GridImage> Images, int Columns) : Panel(Title)
{
    /// <summary>The drawn length in pixels of an image's longer side.</summary>
    public double CellSize { get; init; } = 56;

    /// <summary>The font size of captions in pixels.</summary>
    public double CaptionFontSize { get; init; } = 11;

    /// <summary>A colour bar beside the grid, or null.</summary>
    public ColorBar? ColorBar { get; init; }
}

/// <summary>How a table column's text is aligned.</summary>
public enum ColumnAlignment
{
    /// <summary>Left (text).</summary>
    Left,
    /// <summary>Right (numbers).</summary>
    Right,
    /// <summary>Centred.</summary>
    Center,
}

/// <summary>A table with a header row, zebra-striped body rows and optional bold footer rows.</summary>
/// <param name="Title">The panel title.</param>
/// <param name="Header">The column headings.</param>
/// <param name="Rows">The body rows, each with one cell per column.</param>
public sealed record TablePlot(string Title, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : Panel(Title)
{
    /// <summary>One alignment per column, or null for left-aligned text.</summary>
    public IReadOnlyList<ColumnAlignment>? Alignments { get; init; }

    /// <summary>Rows drawn in bold under a rule after the body (totals), each with one cell per column.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Footer { get; init; } = [];

    /// <summary>The font size in pixels.</summary>
    public double FontSize { get; init; } = 13;
}
