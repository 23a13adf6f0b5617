using FuncCnn;
using SkiaSharp;
using Xunit;

namespace FuncCnn.Interop.Tests;

public class ImageFileTests
{
    /// <summary>Writes grey pixels in [0,1] as an 8-bit PNG (test-side encoding with SkiaSharp).</summary>
    internal static void WritePng(string path, float[] grey, int height, int width, bool invert = false)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var bytes = grey.Select(v => (byte)Math.Round((invert ? 1 - v : v) * 255)).ToArray();
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void A_grey_png_reads_as_exactly_the_bytes_of_the_same_pgm()
    {
        var png = ImageFile.Read(Shared.Images("ascent.png"));
        Assert.Equal((1, 512, 512), (png.Channels, png.Height, png.Width));
        var pgm = File.ReadAllBytes(Shared.Images("ascent.pgm"));
        var pixels = pgm[^(512 * 512)..];
        float max = 0;
        for (int i = 0; i < pixels.Length; i++) max = Math.Max(max, Math.Abs(png.Pixels[i] - pixels[i] / 255f));
        Assert.True(max <= 1e-6f, $"max difference {max}");
    }

    [Fact]
    public void A_colour_photograph_reads_as_three_channels_and_converts_to_grey()
    {
        var rgb = ImageFile.Read(Shared.Images("astronaut.png"));
        Assert.Equal((3, 512, 512), (rgb.Channels, rgb.Height, rgb.Width));
        Assert.All(rgb.Pixels, v => Assert.InRange(v, 0f, 1f));
        Assert.NotEqual(rgb.Pixels.Take(512 * 512), rgb.Pixels.Skip(512 * 512).Take(512 * 512));   // R and G planes differ
        var grey = ImageFile.Read(Shared.Images("astronaut.png"), new ImageReadOptions { Grayscale = true });
        Assert.Equal(1, grey.Channels);
        int i = 1000;
        Assert.Equal(0.299f * rgb.Pixels[i] + 0.587f * rgb.Pixels[512 * 512 + i] + 0.114f * rgb.Pixels[2 * 512 * 512 + i], grey.Pixels[i], 5);
    }

    [Fact]
    public void Resize_and_invert_give_the_models_input()
    {
        var plain = ImageFile.Read(Shared.Images("chelsea.png"), new ImageReadOptions { Grayscale = true, Height = 28, Width = 28 });
        var inverted = ImageFile.Read(Shared.Images("chelsea.png"), new ImageReadOptions { Grayscale = true, Height = 28, Width = 28, Invert = true });
        Assert.Equal((1, 28, 28), (plain.Channels, plain.Height, plain.Width));
        for (int i = 0; i < 784; i++) Assert.Equal(1 - plain.Pixels[i], inverted.Pixels[i], 6);
        Assert.Throws<ArgumentException>(() => ImageFile.Read(Shared.Images("chelsea.png"), new ImageReadOptions { Height = 28 }));
    }

    [Fact]
    public void A_digit_photographed_black_on_white_is_recognised_after_inverting()
    {
        var model = Model.ImportKeras(Shared.Keras("cnn_model.h5"));
        using var dir = new TempDir();
        for (int i = 0; i < 5; i++)
        {
            var path = dir.File($"digit{i}.png");
            WritePng(path, Shared.Mnist.Image(i), 28, 28, invert: true);            // black digit on white
            var pixels = ImageFile.ReadFor(model, path, invert: true);
            Assert.Equal(Shared.Mnist.Image(i).Select(v => MathF.Round(v * 255)), pixels.Select(v => MathF.Round(v * 255)));
            Assert.Equal(Shared.Mnist.Label(i), model.Predict(pixels).Class);
        }
    }

    [Fact]
    public void Corrupt_truncated_and_unsupported_files_fail_with_a_data_format_exception_naming_the_file()
    {
        using var dir = new TempDir();
        var png = File.ReadAllBytes(Shared.Images("camera.png"));
        var cases = new Dictionary<string, byte[]>
        {
            ["text.png"] = "not an image"u8.ToArray(),
            ["empty.jpg"] = [],
            ["truncated.png"] = png[..(png.Length / 2)],
            ["header-only.png"] = png[..64],
            ["gif.gif"] = "GIF89a\u0001\u0000\u0001\u0000\u0080\u0000\u0000\u0000\u0000\u0000\u00ff\u00ff\u00ff!\u00f9\u0004\u0001\u0000\u0000\u0000\u0000,\u0000\u0000\u0000\u0000\u0001\u0000\u0001\u0000\u0000\u0002\u0002D\u0001\u0000;"u8.ToArray(),
        };
        foreach (var (name, bytes) in cases)
        {
            var path = dir.File(name);
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<DataFormatException>(() => ImageFile.Read(path));
            Assert.Contains(name, e.Message);
        }
        Assert.Throws<FileNotFoundException>(() => ImageFile.Read(dir.File("missing.png")));
    }

    [Fact]
    public void FromImages_reads_class_sub_folders_as_a_labelled_dataset()
    {
        using var dir = new TempDir();
        var names = new[] { "seven", "two" };
        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(dir.File(names[c]));
            for (int i = 0; i < 3; i++) WritePng(dir.File($"{names[c]}/{i}.png"), Shared.Mnist.Image(c * 3 + i), 28, 28);
        }
        File.WriteAllText(dir.File("seven/notes.txt"), "not an image");
        var ds = Dataset.FromImages(dir.Path, new ImageReadOptions { Grayscale = true });
        Assert.Equal(6, ds.Count);
        Assert.Equal(names, ds.ClassNames);
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 1 }, Enumerable.Range(0, 6).Select(ds.Label));
        Assert.Equal(Shared.Mnist.Image(4).Select(v => MathF.Round(v * 255)), ds.Image(4).Select(v => MathF.Round(v * 255)));

        var colour = Dataset.FromImages(dir.Path);   // default: RGB
        Assert.Equal(3 * 28 * 28, colour.Image(0).Length);
        Assert.Throws<DataFormatException>(() => Dataset.FromImages(dir.File("seven")));   // no class sub-folders
    }
}
