using FuncCnn;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using Xunit;
using static FuncCnn.Reports.Tests.TestUtil;

namespace FuncCnn.Reports.Tests;

public class ChartTests
{
    [Fact]
    public void TrainingCurvesPlotEveryEpochOfBothSeriesInBothPanels()
    {
        var history = SampleData.History(10);
        var m = Charts.TrainingCurves(history);
        var lines = m.Series.OfType<LineSeries>().ToArray();
        Assert.Equal(4, lines.Length);
        var trainLoss = lines.Single(s => s.Title == "Training" && s.YAxisKey == "loss");
        Assert.Equal(history.Select(h => h.TrainLoss), trainLoss.Points.Select(p => p.Y));
        var valAcc = lines.Single(s => s.Title == "Validation" && s.YAxisKey == "accuracy");
        Assert.Equal(history.Select(h => h.ValAccuracy!.Value * 100), valAcc.Points.Select(p => p.Y));
        Assert.Equal(LineStyle.Dash, valAcc.LineStyle);
        Assert.Equal(ChartColors.SeriesOrange, valAcc.Color);
        Assert.Contains("After 10 epochs", m.Subtitle);
        Assert.Contains(history[^1].TrainLoss.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), m.Subtitle);
        Assert.Equal(["epoch", "loss", "accuracy"], m.Axes.Select(a => a.Key));
    }

    [Fact]
    public void TrainingCurvesWithoutValidationHaveTrainingLinesOnly()
    {
        var m = Charts.TrainingCurves([new EpochMetrics(1, 0.31, 0.91, null, null, 12.3)]);
        Assert.All(m.Series.OfType<LineSeries>(), s => Assert.Equal("Training", s.Title));
        Assert.Equal(2, m.Series.Count);
    }

    [Fact]
    public void EmptyHistoryIsAnInvalidValue()
    {
        var e = Assert.Throws<InvalidValueException>(() => Charts.TrainingCurves([]));
        Assert.Contains("history is empty", e.Message);
    }

    [Fact]
    public void ConfusionMatrixWritesEveryCountInItsCellAndColoursByCount()
    {
        var counts = ConfusionCounts.FromRows(SampleData.ConfusionRows, SampleData.Digits);
        var m = Charts.ConfusionMatrix(counts);
        var heat = m.Series.OfType<HeatMapSeries>().Single();
        Assert.False(heat.Interpolate);
        var texts = Texts(m);
        Assert.Equal(100, texts.Length);
        for (var t = 0; t < 10; t++)
            for (var p = 0; p < 10; p++)
            {
                Assert.Equal(counts.Counts[t, p], heat.Data[p, t]);
                var cell = texts.Single(a => a.TextPosition.X == p && a.TextPosition.Y == t);
                Assert.Equal(counts.Counts[t, p].ToString("#,0", System.Globalization.CultureInfo.InvariantCulture), cell.Text);
            }
        Assert.Contains($"accuracy {counts.Accuracy * 100:F2}%", m.Title);
        var colour = m.Axes.OfType<LinearColorAxis>().Single();
        Assert.Equal(counts.Counts.Cast<int>().Max(), colour.Maximum);
        // Dark cells get white text, light ones black.
        var biggest = texts.Single(a => a.TextPosition.X == 9 && a.TextPosition.Y == 9);
        Assert.Equal(OxyColors.White, biggest.TextColor);
        Assert.Equal(OxyColors.Black, texts.Single(a => a.TextPosition.X == 1 && a.TextPosition.Y == 0).TextColor);
    }

    [Fact]
    public void ConfusionMatrixOfNoClassesIsAnInvalidValue()
    {
        Assert.Throws<InvalidValueException>(() => new ConfusionCounts(new int[0, 0], []));
    }

    [Fact]
    public void PredictionCaptionsAreGreenWhenRightAndRedWhenWrong()
    {
        var preds = SampleData.Predictions(32);
        var m = Charts.PredictionGrid(preds, SampleData.Digits);
        Assert.Equal(32, Images(m).Length);
        Assert.All(Images(m), i => Assert.False(i.Interpolate));
        var captions = Texts(m);
        Assert.Equal(32, captions.Length);
        for (var i = 0; i < 32; i++)
        {
            var p = preds[i];
            var caption = captions[i];
            Assert.StartsWith($"{p.TrueLabel} / {p.PredictedLabel} (", caption.Text);
            Assert.Equal(p.IsCorrect ? ChartColors.Right : ChartColors.Wrong, caption.TextColor);
        }
        Assert.Contains($"red: wrong ({preds.Count(p => !p.IsCorrect)})", m.Subtitle);
    }

    [Fact]
    public void MisclassifiedShowsOnlyWrongPredictionsInRed()
    {
        var preds = SampleData.Predictions(100);
        var m = Charts.Misclassified(preds, SampleData.Digits, count: 5);
        var wrong = preds.Where(p => !p.IsCorrect).Take(5).ToArray();
        Assert.Equal(wrong.Select(p => $"Predicted: {p.PredictedLabel}, True: {p.TrueLabel}"), Texts(m).Select(t => t.Text));
        Assert.All(Texts(m), t => Assert.Equal(ChartColors.Wrong, t.TextColor));
    }

    [Fact]
    public void FiltersOfAGreyLayerAreGreyAndOfAnRgbLayerInColour()
    {
        var grey = Charts.Filters(SampleData.RandomFilters(32, 1, 3, 5));
        var greyTiles = Images(grey).Where(i => i.Width.Value >= 40).ToArray();
        Assert.Equal(32, greyTiles.Length);
        Assert.All(greyTiles.SelectMany(i => i.ImageSource!.GetPixels().Cast<OxyColor>()), c => Assert.True(c.R == c.G && c.G == c.B));

        var rgb = Charts.Filters(SampleData.RandomFilters(16, 3, 3, 8));
        Assert.Contains("3 colour channels", rgb.Title);
        var colours = Images(rgb).SelectMany(i => i.ImageSource!.GetPixels().Cast<OxyColor>()).ToArray();
        Assert.Contains(colours, c => c.R != c.G || c.G != c.B);
        // Asking for one channel of the RGB layer gives grey again.
        Assert.Contains("input channel 1 of 3", Charts.Filters(SampleData.RandomFilters(16, 3, 3, 8), 1).Title);
    }

    [Fact]
    public void NaNInAFeatureMapIsNamed()
    {
        var maps = SampleData.FeatureMaps(SampleData.Digit(7));
        var bad = maps.Layers[1].Values.ToArray();
        bad[17] = float.NaN;
        var set = maps with { Layers = [maps.Layers[0], new FeatureMapLayer(maps.Layers[1].Name, bad, maps.Layers[1].Channels, maps.Layers[1].Height, maps.Layers[1].Width)] };
        var e = Assert.Throws<InvalidValueException>(() => Charts.FeatureMaps(set));
        Assert.Contains(maps.Layers[1].Name, e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void AnEmptyImageIsAShapeError()
    {
        var e = Assert.Throws<ShapeException>(() => new GrayImage([], 0, 0));
        Assert.Contains("0x0", e.Message);
    }

    [Fact]
    public void ClassHistogramHasABarPerClassWithItsCount()
    {
        var m = Charts.ClassHistogram(SampleData.QuickDraw, SampleData.QuickDrawCounts);
        var bars = m.Series.OfType<BarSeries>().Single();
        Assert.Equal(SampleData.QuickDrawCounts.Select(c => (double)c), bars.Items.Select(b => b.Value));
        Assert.Equal(SampleData.QuickDraw, m.Axes.OfType<CategoryAxis>().Single().ItemsSource.Cast<string>());
        Assert.Contains("fewest: clock (120,537)", m.Subtitle);
        Assert.Throws<InvalidValueException>(() => Charts.ClassHistogram([], []));
    }

    [Fact]
    public void ConvolutionStepWritesTheSumPlusBias()
    {
        var input = new GrayImage([1, 2, 0, 0, 1, 3, 2, 1, 0], 3, 3);
        var kernel = new Kernel2D([1, 0, 0, -1], 2, 2);
        var m = Charts.ConvolutionStep(input, kernel, 1, 1, bias: 0.5);
        // window at (1,1): [1 3; 1 0] * [1 0; 0 -1] = 1 + 0 + 0 - 0 = 1; plus 0.5
        Text(m, "1 + 0.5 = 1.5");
        var outline = m.Annotations.OfType<RectangleAnnotation>().Where(r => r.Stroke == ChartColors.Highlight).ToArray();
        Assert.Equal(2, outline.Length);
        Assert.Throws<ShapeException>(() => Charts.ConvolutionStep(input, kernel, 2, 0));
    }

    [Fact]
    public void ActivationsAreTheirFunctions()
    {
        var m = Charts.ActivationFunctions(ActivationFunction.Relu, ActivationFunction.Sigmoid);
        var relu = m.Series.OfType<FunctionSeries>().Single(s => s.Title == "ReLU");
        Assert.All(relu.Points, p => Assert.Equal(Math.Max(0, p.X), p.Y, 9));
        var sigmoid = m.Series.OfType<FunctionSeries>().Single(s => s.Title == "Sigmoid");
        Assert.All(sigmoid.Points, p => Assert.Equal(1 / (1 + Math.Exp(-p.X)), p.Y, 9));
    }

    [Fact]
    public void VectorBarsHaveOneBarPerValue()
    {
        float[] v = [0.5f, -1, 0, 2];
        var bars = Charts.VectorBars(v).Series.OfType<LinearBarSeries>().Single();
        Assert.Equal(v.Select(x => (double)x), bars.Points.Select(p => p.Y));
        Assert.Throws<InvalidValueException>(() => Charts.VectorBars([]));
    }

    [Fact]
    public void KernelAtWorkLeadsFromStageToStageWithArrowsOnOneLine()
    {
        var digit = SampleData.Digit(7);
        var filtered = SampleData.Convolve(digit, SampleData.SobelX);
        var m = Charts.KernelAtWork(digit, SampleData.SobelX, filtered, SampleData.MaxPool(filtered), "Sobel x");
        var arrows = m.Annotations.OfType<ArrowAnnotation>().ToArray();
        // original → kernel → filtered → pooled
        Assert.Equal(3, arrows.Length);
        Assert.All(arrows, a => Assert.Equal(a.StartPoint.Y, a.EndPoint.Y));
        Assert.Single(arrows.Select(a => a.EndPoint.Y).Distinct());
        // every picture is centred on the arrows' line, and each arrow ends left of a stage it leads into
        var images = m.Annotations.OfType<ImageAnnotation>().OrderBy(i => i.X.Value).ToArray();
        Assert.All(images, i => Assert.Equal(arrows[0].EndPoint.Y, i.Y.Value + i.Height.Value / 2, 6));
        Assert.True(arrows.Min(a => a.StartPoint.X) > images[0].X.Value + images[0].Width.Value, "the first arrow starts right of the original");

        var noPool = Charts.KernelAtWork(digit, SampleData.SobelX, filtered, null, "Sobel x");
        Assert.Equal(2, noPool.Annotations.OfType<ArrowAnnotation>().Count());
        var photo = Charts.KernelOnColorImage(new RgbImage(Enumerable.Range(0, 3 * 16 * 16).Select(i => i % 7 / 7f).ToArray(), 16, 16), SampleData.SobelX,
            SampleData.Convolve(SampleData.Digit(1), SampleData.SobelX));
        var photoArrows = photo.Annotations.OfType<ArrowAnnotation>().ToArray();
        Assert.Equal(2, photoArrows.Length);
        Assert.Single(photoArrows.Select(a => a.EndPoint.Y).Distinct());
    }

    [Fact]
    public void ModelDiagramHasABoxPerLayerAndArrowsBetween()
    {
        var summary = SampleData.SeedCnn();
        var m = Charts.ModelDiagram(summary);
        Assert.Equal(summary.Rows.Count + 1, m.Annotations.OfType<RectangleAnnotation>().Count());
        Assert.Equal(summary.Rows.Count, m.Annotations.OfType<ArrowAnnotation>().Count());
        Assert.Contains(Texts(m), t => t.Text is { } s && s.Contains(summary.Rows[0].OutputShape) && s.Contains("parameters"));
    }

    [Fact]
    public void DatasetPreviewNamesEveryClassShown()
    {
        var preds = SampleData.Predictions(80);
        var m = Charts.DatasetPreview(new DatasetSample(preds.Select(p => p.Image).ToArray(), preds.Select(p => p.TrueLabel).ToArray()), SampleData.Digits, perClass: 4);
        Assert.Equal(SampleData.Digits, Texts(m).Select(t => t.Text).Order());
        Assert.Equal(40, Images(m).Length);
    }

    [Fact]
    public void RgbChannelsShowTheImageAndItsThreePlanes()
    {
        var pixels = new float[3 * 4 * 4];
        for (var i = 0; i < 16; i++) { pixels[i] = 1; pixels[32 + i] = i / 16f; }
        var m = Charts.RgbChannels(new RgbImage(pixels, 4, 4));
        var images = Images(m);
        Assert.Equal(4, images.Length);
        var colour = images[0].ImageSource!.GetPixels();
        Assert.Equal(255, colour[0, 0].R);
        Assert.Equal(0, colour[0, 0].G);
    }

    [Fact]
    public void EveryChartHasASizeAndATitle()
    {
        foreach (var (name, model) in SampleData.AllCharts())
        {
            var (w, h) = ChartExport.SizeOf(model);
            Assert.True(w >= 200 && h >= 100, $"{name}: {w}x{h}");
            Assert.False(string.IsNullOrWhiteSpace(model.Title), name);
        }
    }
}
