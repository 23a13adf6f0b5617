using FuncCnn;
using FuncCnn.Reports;
using SkiaSharp;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>Colour images end to end: a folder of class sub-folders of PNG and JPEG files → a 3-channel CNN → its report.</summary>
public sealed class ColourImageTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("funccnn-colour-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Noise images whose colour says the class: warm ones lean red, cool ones blue.</summary>
    private void WriteImages(string className, bool warm, int count, Random random)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.FullName, "images", className)).FullName;
        for (int n = 0; n < count; n++)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(12, 12, SKColorType.Rgba8888, SKAlphaType.Opaque));
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                {
                    byte Noise(int lo) => (byte)random.Next(lo, lo + 100);
                    bitmap.SetPixel(x, y, warm ? new SKColor(Noise(150), Noise(60), Noise(0)) : new SKColor(Noise(0), Noise(60), Noise(150)));
                }
            // PNG and (lossless enough at quality 100) JPEG both go through the image reader
            var format = n % 2 == 0 ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
            using var data = bitmap.Encode(format, 100);
            File.WriteAllBytes(Path.Combine(folder, $"{n:D2}.{(format == SKEncodedImageFormat.Png ? "png" : "jpg")}"), data.ToArray());
        }
    }

    [Fact]
    public void A_three_channel_cnn_learns_a_folder_of_colour_images_and_its_report_shows_colour_filters()
    {
        var random = new Random(5);
        WriteImages("cool", warm: false, 24, random);
        WriteImages("warm", warm: true, 24, random);
        var all = Dataset.FromImages(Path.Combine(_dir.FullName, "images"));
        Assert.Equal([3, 12, 12], all.ImageShape);
        Assert.Equal(["cool", "warm"], all.ClassNames);
        Assert.Equal(48, all.Count);
        var (train, test) = all.StratifiedSplit(0.25, seed: 1);

        var model = ModelBuilder.Input(3, 12, 12)
            .Conv2D(4, 3, Activation.Relu, name: "rgb").MaxPool2D(2).Flatten().Dense(2).Build(seed: 2);
        Assert.Equal([4, 3, 3, 3], model.Filters("rgb").Shape);
        var (trained, history) = model.Fit(train, new TrainingOptions { Epochs = 15, BatchSize = 8, LearningRate = 0.01, ValidationData = test });
        Assert.Equal(1.0, trained.Evaluate(test).Accuracy);
        Assert.NotNull(history.Last!.ValidationAccuracy);

        var written = TrainingReport.Write(Path.Combine(_dir.FullName, "report"), trained, history, test,
            options: new ReportOptions { Formats = ReportFormats.Svg }, train: train);
        var filters = written.Charts.Single(c => c.Name == "filters");
        Assert.Contains("3 colour channels", filters.Model.Title);
        Assert.Contains(written.Charts, c => c.Name == "predictions");
        Assert.True(File.Exists(written.IndexPath));
        Assert.Contains(written.Files, f => f.EndsWith(".svg", StringComparison.Ordinal) && f.Contains("filters", StringComparison.Ordinal));
    }
}
