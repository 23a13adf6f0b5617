using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>funccnn eval, predict and summary: using a trained model.</summary>
internal static partial class Commands
{
    // ---- eval / predict / summary -----------------------------------------------------------------

    private static Command Eval()
    {
        var model = Opt<string>("--model", "A model file: written by train (model.fcnn), or Keras (.h5, .keras) or ONNX, recognised by content");
        model.Required = true;
        var dataset = Opt("--dataset", "mnist, fashion-mnist, quickdraw or letters", "mnist");
        var data = Opt<string>("--data", "The dataset's folder");
        var limit = Opt<int?>("--limit", "Evaluate on N test images only: a seeded sample covering every class");
        var cmd = new Command("eval", "Evaluate a saved model on a dataset's test images: loss, accuracy, confusion matrix") { model, dataset, data, limit };
        cmd.SetAction(p =>
        {
            var m = LoadModel(p.GetValue(model)!);
            var name = p.GetValue(dataset)!;
            DataSources.Check(name);
            var test = DataSources.Load(name, p.GetValue(data), name == "quickdraw" ? m.ClassNames : null).Test;
            if (p.GetValue(limit) is { } n) test = test.Sample(Positive(n, "--limit"), seed: 0); // stratified: every class is scored
            var r = m.Evaluate(test);
            Console.WriteLine($"{test.Name}: {r.Count} images");
            Console.WriteLine($"accuracy {Outputs.Percent(r.Accuracy)}");
            Console.WriteLine($"loss     {r.Loss.ToString("F4", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"misclassified {r.Misclassified.Count}");
            Console.WriteLine("confusion matrix (rows: actual, columns: predicted):");
            Console.Write(r.ConfusionMatrix.ToString());
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Predict()
    {
        var model = Opt<string>("--model", "A model file: written by train (model.fcnn), or Keras (.h5, .keras) or ONNX, recognised by content");
        model.Required = true;
        var image = Opt<string>("--image", "An image: PNG, JPEG or BMP (made grey and resized to the model's input), or PGM (P2/P5, 8-bit) or raw bytes of the model's input size (28x28 = 784 bytes for MNIST)");
        var invert = Opt("--invert", "Invert a PNG/JPEG/BMP image (a dark digit on light paper; MNIST is white on black)", false);
        var index = Opt<int?>("--index", "Predict test image N of --dataset instead");
        var dataset = Opt("--dataset", "The dataset for --index", "mnist");
        var data = Opt<string>("--data", "The dataset's folder");
        var cmd = new Command("predict", "Predict the class of an image file or of a dataset's test image") { model, image, invert, index, dataset, data };
        cmd.SetAction(p =>
        {
            var file = p.GetValue(image);
            var idx = p.GetValue(index);
            if ((file is null) == (idx is null)) throw new UsageException("give either --image FILE or --index N.");
            var m = LoadModel(p.GetValue(model)!);
            float[] pixels;
            string? actual = null;
            if (file is not null)
            {
                var shape = m.InputShape;
                if (shape.Count != 3 || shape[0] != 1) throw new UsageException($"--image needs a model of grayscale images (1,H,W); this one takes ({string.Join(",", shape)}).");
                pixels = ImageFiles.Read(file, shape[1], shape[2], p.GetValue(invert));
            }
            else
            {
                var name = p.GetValue(dataset)!;
                DataSources.Check(name);
                var test = DataSources.Load(name, p.GetValue(data), name == "quickdraw" ? m.ClassNames : null).Test;
                if (idx < 0 || idx >= test.Count) throw new UsageException($"--index {idx} is outside the {test.Count} test images of {name} (0..{test.Count - 1}).");
                pixels = test.Image(idx!.Value);
                actual = test.ClassNames[test.Label(idx.Value)];
            }
            var prediction = m.Predict(pixels);
            Console.WriteLine($"predicted {prediction.ClassName} (class {prediction.Class}) with probability {prediction.Confidence.ToString("F4", CultureInfo.InvariantCulture)}");
            if (actual is not null) Console.WriteLine($"actual    {actual}");
            foreach (var (p2, c) in prediction.Probabilities.Select((v, c) => (v, c)).OrderByDescending(t => t.v).Take(3))
                Console.WriteLine($"  {(c < m.ClassNames.Count ? m.ClassNames[c] : c.ToString(CultureInfo.InvariantCulture)),-16} {p2.ToString("F4", CultureInfo.InvariantCulture)}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Summary()
    {
        var model = Opt<string>("--model", $"A preset ({string.Join(", ", ModelZoo.Names)}) or a model file");
        model.Required = true;
        var cmd = new Command("summary", "Print a model's layers, output shapes and parameter counts") { model };
        cmd.SetAction(p =>
        {
            var name = p.GetValue(model)!;
            Model m;
            if (File.Exists(name)) m = LoadModel(name);
            else if (ModelZoo.Names.Contains(name)) m = ModelZoo.Build(name);
            else if (name.EndsWith(".fcnn", StringComparison.OrdinalIgnoreCase) || name.Contains(Path.DirectorySeparatorChar))
                throw new FileNotFoundException($"model file '{name}' not found.", name);
            else throw new UsageException($"'{name}' is neither a preset nor a model file; the presets are: {string.Join(", ", ModelZoo.Names)}.");
            Console.WriteLine(m.Summary().Table);
            if (m.ClassNames.Count > 0) Console.WriteLine($"classes: {string.Join(", ", m.ClassNames)}");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
