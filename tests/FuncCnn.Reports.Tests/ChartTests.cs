using System.Xml.Linq;
using FuncCnn.Reports;
using Xunit;

namespace FuncCnn.Reports.Tests;

public class ChartTests
{
    private static string[] Texts(XElement e) => e.Descendants(Svg.Ns + "text").Select(t => t.Value).ToArray();

    [Fact]
    public void ConfusionMatrixWritesEveryCountInItsCell()
    {
        var confusion = ConfusionCounts.FromRows(SampleData.ConfusionRows, SampleData.Digits);
        var doc = Svg.Parse(Charts.ConfusionMatrix(confusion));
        for (var t = 0; t < 10; t++)
            for (var p = 0; p < 10; p++)
            {
                var cell = Svg.Group(doc, $"p0-cell-{t}-{p}");
                var rect = cell.Element(Svg.Ns + "rect")!;
                var text = cell.Element(Svg.Ns + "text")!;
                Assert.Equal(SampleData.ConfusionRows[t][p].ToString("#,0", System.Globalization.CultureInfo.InvariantCulture), text.Value);
                var (x, y) = (Svg.D(text, "x"), Svg.D(text, "y"));
                Assert.InRange(x, Svg.D(rect, "x"), Svg.D(rect, "x") + Svg.D(rect, "width"));
                Assert.InRange(y, Svg.D(rect, "y"), Svg.D(rect, "y") + Svg.D(rect, "height"));
                if (p == 0) Assert.True(Svg.D(rect, "y") >= Svg.D(Svg.Group(doc, $"p0-cell-{Math.Max(0, t - 1)}-0").Element(Svg.Ns + "rect")!, "y"));
            }
        var all = Texts(doc.Root!);
        Assert.Contains("True class", all);
        Assert.Contains("Predicted class", all);
        Assert.Contains(all, s => s.StartsWith("Confusion matrix — accuracy 98.62%"));
        Assert.Equal(9862, confusion.Correct);
    }

    [Fact]
    public void NormalizedConfusionMatrixColoursByRowShareAndStillShowsCounts()
    {
        // Class 1 has many examples, class 0 few: by count class 1's diagonal is darker, by share they are equal.
        var confusion = new ConfusionCounts(new[,] { { 10, 0 }, { 0, 1000 } }, ["rare", "common"]);
        var doc = Svg.Parse(Charts.ConfusionMatrix(confusion, normalizeRows: true));
        string Fill(int t, int p) => (string)Svg.Group(doc, $"p0-cell-{t}-{p}").Element(Svg.Ns + "rect")!.Attribute("fill")!;
        Assert.Equal(Fill(0, 0), Fill(1, 1));
        Assert.Equal(["10", "100.0%"], Texts(Svg.Group(doc, "p0-cell-0-0")));
        Assert.Equal(["1,000", "100.0%"], Texts(Svg.Group(doc, "p0-cell-1-1")));
    }

    [Fact]
    public void FilterGridOf32FiltersHas32ImagesIn4RowsOf8()
    {
        var doc = Svg.Parse(Charts.Filters(SampleData.RandomFilters(32, 1, 3, 5)));
        var cells = Svg.Groups(doc, "grid-image").ToArray();
        Assert.Equal(32, cells.Length);
        Assert.All(cells, c => Assert.Single(c.Elements(Svg.Ns + "image")));
        var xs = cells.Select(c => Svg.D(c.Element(Svg.Ns + "image")!, "x")).Distinct().Count();
        var ys = cells.Select(c => Svg.D(c.Element(Svg.Ns + "image")!, "y")).Distinct().Count();
        Assert.Equal((8, 4), (xs, ys));
        Assert.Single(Svg.Groups(doc, "colorbar"));
    }

    [Fact]
    public void FiltersScaledTogetherShareOneRangeAndPerFilterDoNot()
    {
        var bank = new FilterBank("conv1", [0, 1, 2, 3, 10, 20, 30, 40], 2, 1, 2, 2);
        string Png(Figure f, int i) => (string)Svg.Group(Svg.Parse(f), $"p0-img-{i}").Element(Svg.Ns + "image")!.Attribute(Svg.XLink + "href")!;
        var together = Charts.Filters(bank);
        var perFilter = Charts.Filters(bank, normalization: FilterNormalization.PerFilter);
        // Per filter, both kernels run black to white in the same pattern, so their images are identical.
        Assert.Equal(Png(perFilter, 0), Png(perFilter, 1));
        Assert.NotEqual(Png(together, 0), Png(together, 1));
        var pixels = CairoPng.Read(Convert.FromBase64String(Png(together, 1)["data:image/png;base64,".Length..]));
        Assert.Equal((255, 255, 255), pixels.At(pixels.Width - 1, pixels.Height - 1)); // 40 is the largest weight: white
        var first = CairoPng.Read(Convert.FromBase64String(Png(together, 0)["data:image/png;base64,".Length..]));
        Assert.Equal((0, 0, 0), first.At(0, 0)); // 0 is the smallest: black
    }

    [Fact]
    public void FiltersOfAnyInputChannelCanBeShown()
    {
        var bank = SampleData.RandomFilters(16, 3, 5, 6, "conv2");
        var doc = Svg.Parse(Charts.Filters(bank, inputChannel: 2));
        Assert.Contains("conv2: 16 filters of 5×5, input channel 2 of 3", Texts(doc.Root!));
        Assert.Throws<ArgumentOutOfRangeException>(() => Charts.Filters(bank, inputChannel: 3));
    }

    [Fact]
    public void PredictionCaptionsAreGreenWhenRightAndRedWhenWrong()
    {
        var preds = SampleData.Predictions(40);
        var doc = Svg.Parse(Charts.PredictionGrid(preds, SampleData.Digits, count: 32));
        var cells = Svg.Groups(doc, "grid-image").ToArray();
        Assert.Equal(32, cells.Length);
        for (var i = 0; i < 32; i++)
        {
            var caption = cells[i].Element(Svg.Ns + "text")!;
            var p = preds[i];
            Assert.Equal($"{p.TrueLabel} / {p.PredictedLabel} ({p.Confidence * 100:F1}%)", caption.Value);
            Assert.Equal(p.IsCorrect ? Color.Right.ToHex() : Color.Wrong.ToHex(), (string?)caption.Attribute("fill"));
        }
        Assert.Contains(preds.Take(32), p => !p.IsCorrect);
    }

    [Fact]
    public void MisclassifiedShowsTheFirstErrorsCaptionedPredictedThenTrue()
    {
        var preds = SampleData.Predictions(400);
        var doc = Svg.Parse(Charts.Misclassified(preds, SampleData.Digits, count: 10));
        var expected = preds.Where(p => !p.IsCorrect).Take(10).Select(p => $"Predicted: {p.PredictedLabel}, True: {p.TrueLabel}").ToArray();
        var captions = Svg.Groups(doc, "grid-image").Select(g => g.Element(Svg.Ns + "text")!.Value).ToArray();
        Assert.Equal(expected, captions);
        Assert.Contains($"The first 10 of {preds.Count(p => !p.IsCorrect)} wrong predictions (14.25% of 400 images)", Texts(doc.Root!));
    }

    [Fact]
    public void MisclassifiedWithNoErrorsSaysSo()
    {
        var preds = SampleData.Predictions(5).Where(p => p.IsCorrect).ToArray();
        var doc = Svg.Parse(Charts.Misclassified(preds, SampleData.Digits));
        Assert.Empty(Svg.Groups(doc, "grid-image"));
        Assert.Contains($"No wrong predictions among {preds.Length} images", Texts(doc.Root!));
    }

    [Fact]
    public void FeatureMapsShowEveryChannelOfEveryLayerWithItsShape()
    {
        var maps = SampleData.FeatureMaps(SampleData.Digit(7));
        var doc = Svg.Parse(Charts.FeatureMaps(maps));
        var texts = Texts(doc.Root!);
        Assert.Contains("conv1 — output 32×26×26", texts);
        Assert.Contains("pool1 — output 32×13×13", texts);
        Assert.Contains("conv2 — output 64×11×11", texts);
        // Panel 0 is the input; panels 1..3 the layers.
        Assert.Single(Svg.Group(doc, "p0").Descendants(Svg.Ns + "image"));
        Assert.Equal([32, 32, 64], Enumerable.Range(1, 3).Select(i => Svg.Group(doc, $"p{i}").Descendants(Svg.Ns + "image").Count()));
    }

    [Fact]
    public void KernelAtWorkWritesTheKernelValuesInItsCells()
    {
        var digit = SampleData.Digit(3);
        var sobel = SampleData.Convolve(digit, SampleData.SobelX);
        var doc = Svg.Parse(Charts.KernelAtWork(digit, SampleData.SobelX, sobel, SampleData.MaxPool(sobel), "Sobel x"));
        var values = Enumerable.Range(0, 9).Select(i => Svg.Group(doc, $"p1-cell-{i / 3}-{i % 3}").Element(Svg.Ns + "text")!.Value);
        Assert.Equal(["−1", "0", "1", "−2", "0", "2", "−1", "0", "1"], values);
        var texts = Texts(doc.Root!);
        Assert.Contains("Original 28×28", texts);
        Assert.Contains("Filtered 26×26", texts);
        Assert.Contains("Max-pooled 13×13", texts);
        Assert.Equal(3, doc.Descendants(Svg.Ns + "polygon").Count()); // an arrow head between each pair of panels

        var blur = Svg.Parse(Charts.KernelAtWork(digit, SampleData.Blur, SampleData.Convolve(digit, SampleData.Blur), null, "blur"));
        Assert.Equal("0.11", Svg.Group(blur, "p1-cell-0-0").Element(Svg.Ns + "text")!.Value);
        Assert.DoesNotContain(Texts(blur.Root!), t => t.StartsWith("Max-pooled"));
    }

    [Fact]
    public void PipelineShowsEveryStageInOrder()
    {
        var doc = Svg.Parse(Charts.Pipeline(SampleData.Pipeline()));
        var titles = Enumerable.Range(0, 6).Select(i => Svg.Group(doc, $"p{i}").Element(Svg.Ns + "text")!.Value).ToArray();
        Assert.Equal(["Input 28×28", "Filter 3×3", "Convolution 26×26", "ReLU 26×26", "Max-pool 13×13", "Flatten: 169 values"], titles);
        var strip = Svg.Group(doc, "p5").Descendants(Svg.Ns + "image").Single();
        Assert.True(Svg.D(strip, "width") > 10 * Svg.D(strip, "height"));
    }

    [Fact]
    public void ClassHistogramHasOneBarPerClassLongestForTheLargest()
    {
        var doc = Svg.Parse(Charts.ClassHistogram(SampleData.QuickDraw, SampleData.QuickDrawCounts));
        var bars = Svg.Groups(doc, "bar").ToArray();
        Assert.Equal(10, bars.Length);
        var widths = bars.Select(b => Svg.D(b.Element(Svg.Ns + "rect")!, "width")).ToArray();
        Assert.Equal(Array.IndexOf(SampleData.QuickDrawCounts, SampleData.QuickDrawCounts.Max()), Array.IndexOf(widths, widths.Max()));
        Assert.Equal(["airplane", "151,623"], Texts(bars[0]));
    }

    [Fact]
    public void NoiseSitsAboveTheImageMadeFromIt()
    {
        var noise = Enumerable.Range(0, 6).Select(i => GrayImage.FromVector(new float[16])).ToArray();
        var generated = Enumerable.Range(0, 6).Select(i => SampleData.Digit(i)).ToArray();
        var doc = Svg.Parse(Charts.NoiseToImages(noise, generated));
        for (var i = 0; i < 6; i++)
        {
            var top = Svg.Group(doc, $"p0-img-{i}").Element(Svg.Ns + "image")!;
            var bottom = Svg.Group(doc, $"p1-img-{i}").Element(Svg.Ns + "image")!;
            Assert.Equal(Svg.D(top, "x"), Svg.D(bottom, "x"));
            Assert.True(Svg.D(bottom, "y") > Svg.D(top, "y"));
        }
        Assert.Throws<ArgumentException>(() => Charts.NoiseToImages(noise, generated[..5]));
    }

    [Fact]
    public void SummaryTableListsLayersAndTotal()
    {
        var doc = Svg.Parse(Charts.Summary(SampleData.SeedCnn()));
        Assert.Equal(["conv2", "Conv2d 3×3, 64 filters, ReLU", "64×11×11", "18,496"], Texts(Svg.Group(doc, "p0-row-3")));
        Assert.Equal(["Total", "", "", "225,034"], Texts(Svg.Group(doc, "p0-footer-0")));
    }

    [Fact]
    public void TrainingCurvesHaveTwoPanelsAndOnlyTrainingWithoutValidation()
    {
        var full = Svg.Parse(Charts.TrainingCurves(SampleData.History()));
        Assert.Equal(["Loss", "Accuracy"], new[] { "p0", "p1" }.Select(id => Svg.Group(full, id).Element(Svg.Ns + "text")!.Value));
        Assert.Contains("Validation", Texts(full.Root!));
        var trainOnly = SampleData.History().Select(h => h with { ValLoss = null, ValAccuracy = null }).ToArray();
        var doc = Svg.Parse(Charts.TrainingCurves(trainOnly));
        Assert.DoesNotContain("Validation", Texts(doc.Root!));
        Assert.Equal(10, Svg.Group(doc, "p0").Descendants(Svg.Ns + "circle").Count() - 1); // 10 markers + legend sample
        Assert.Throws<ArgumentException>(() => Charts.TrainingCurves([]));
    }

    [Fact]
    public void InputsCheckTheirShapes()
    {
        Assert.Throws<ArgumentException>(() => new GrayImage(new float[10], 3, 3));
        Assert.Throws<ArgumentException>(() => new FilterBank("c", new float[10], 1, 1, 3, 3));
        Assert.Throws<ArgumentException>(() => new FeatureMapLayer("c", new float[10], 2, 2, 2));
        Assert.Throws<ArgumentException>(() => new ConfusionCounts(new int[2, 3], ["a", "b"]));
        Assert.Throws<ArgumentException>(() => ConfusionCounts.FromPredictions([new Prediction(SampleData.Digit(0), 0, 5, 0.5)], ["a", "b"]));
    }
}
