using System.CommandLine;

namespace FuncCnn.Cli;

using FuncCnn;
using FuncCnn.Reports;

/// <summary>funccnn generate: noise through a generator (an encoder + decoder model), as the notebook does.</summary>
internal static partial class Commands
{
    private static Command Generate()
    {
        var model = Opt<string>("--model", "A model whose output is an image: an autoencoder trained by FuncCnn (.fcnn), or a Keras (.h5, .keras) or ONNX generator such as the notebook's cnn_generator.h5");
        model.Required = true;
        var count = Opt("--count", "How many noise images", 4);
        var seed = Opt("--seed", "Seeds the noise", 0);
        var outDir = Opt("--out", "The folder for noise-to-images.svg/.png", "generated");
        var format = Opt("--format", "Comma-separated formats: svg, png", "svg,png");
        var cmd = new Command("generate", "Feed N(0,1) noise images through a whole model (the notebook's generator) and draw the noise and the images as a chart")
            { model, count, seed, outDir, format };
        cmd.SetAction(p =>
        {
            var formats = ParseFormats(p.GetValue(format)!);
            if (formats.HasFlag(ReportFormats.Pdf)) throw new UsageException("generate writes svg and/or png.");
            var n = Positive(p.GetValue(count), "--count");
            var m = LoadModel(p.GetValue(model)!);
            if (m.OutputShape.Count is not (2 or 3))
                throw new UsageException($"the model's output has shape ({string.Join(",", m.OutputShape)}), not an image (C,H,W): generate needs a generator such as an autoencoder.");
            var generated = m.Generate(n, p.GetValue(seed));
            var noise = generated.Noise.Select(v => Picture(v, generated.NoiseShape)).ToList();
            var images = generated.Images.Select(v => Picture(v, generated.ImageShape)).ToList();
            var chart = Charts.NoiseToImages(noise, images, $"{Path.GetFileName(p.GetValue(model))}: noise → generated images");
            var folder = p.GetValue(outDir)!;
            Directory.CreateDirectory(folder);
            var stem = Path.Combine(folder, "noise-to-images");
            if (formats.HasFlag(ReportFormats.Svg)) { ChartExport.WriteSvg(chart, stem + ".svg"); Console.WriteLine($"wrote {stem}.svg"); }
            if (formats.HasFlag(ReportFormats.Png)) { ChartExport.WritePng(chart, stem + ".png"); Console.WriteLine($"wrote {stem}.png"); }
            Console.WriteLine($"{n} noise images of ({string.Join(",", generated.NoiseShape)}) → images of ({string.Join(",", generated.ImageShape)})");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>An input or output as a picture: (H,W) or the mean of the channels of (C,H,W); anything else laid out as a vector.</summary>
    private static GrayImage Picture(float[] values, IReadOnlyList<int> shape)
    {
        if (shape.Count == 2) return new GrayImage(values, shape[0], shape[1]);
        if (shape.Count != 3) return GrayImage.FromVector(values);
        int c = shape[0], h = shape[1], w = shape[2];
        if (c == 1) return new GrayImage(values, h, w);
        var mean = new float[h * w];
        for (int k = 0; k < c; k++)
            for (int i = 0; i < mean.Length; i++) mean[i] += values[k * h * w + i] / c;
        return new GrayImage(mean, h, w);
    }
}
