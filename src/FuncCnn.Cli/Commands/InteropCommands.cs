using System.CommandLine;
using System.Globalization;

namespace FuncCnn.Cli;

using FuncCnn;

/// <summary>funccnn import and export: models in and out (Keras, ONNX, safetensors).</summary>
internal static partial class Commands
{
    private static Command Import()
    {
        var source = new Argument<string>("model") { Description = "A Keras model (.h5 or .keras) or an ONNX model, recognised by content" };
        var output = Opt<string>("--out", "The FuncCnn model file to write (model.fcnn)");
        output.Required = true;
        var cmd = new Command("import", "Import a Keras or ONNX model into FuncCnn's format (the summary shows what was imported)") { source, output };
        cmd.SetAction(p =>
        {
            var path = p.GetValue(source)!;
            var file = Model.LoadFile(path);
            if (!file.Metadata.TryGetValue("format", out var format))
                throw new UsageException($"'{path}' is already a FuncCnn model file; import takes Keras (.h5, .keras) or ONNX files.");
            var metadata = new Dictionary<string, string>(file.Metadata) { ["source"] = Path.GetFileName(path) };
            var outPath = p.GetValue(output)!;
            file.Model.Save(outPath, metadata: metadata);
            Console.WriteLine($"imported {path} ({format}) into {outPath}");
            Console.WriteLine(file.Model.Summary(FrozenOf(file)).Table);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Export()
    {
        var model = Opt<string>("--model", "A model file (model.fcnn, or Keras/ONNX) or a preset");
        model.Required = true;
        var onnx = Opt<string>("--onnx", "Write the model as ONNX (opset 13, NCHW, dynamic batch) to this file");
        var safetensors = Opt<string>("--safetensors", "Write the parameters as safetensors to this file");
        var cmd = new Command("export", "Export a model as ONNX (for ONNX Runtime and other tools) and/or its parameters as safetensors") { model, onnx, safetensors };
        cmd.SetAction(p =>
        {
            var name = p.GetValue(model)!;
            var m = File.Exists(name) ? LoadModel(name)
                : ModelZoo.Names.Contains(name) ? ModelZoo.Build(name)
                : throw new FileNotFoundException($"model file '{name}' not found (and it is not a preset).", name);
            var (o, s) = (p.GetValue(onnx), p.GetValue(safetensors));
            if (o is null && s is null) throw new UsageException("give --onnx FILE and/or --safetensors FILE.");
            if (o is not null)
            {
                m.ExportOnnx(o);
                Console.WriteLine($"wrote {o} (ONNX opset 13, input \"input\" [N,{string.Join(",", m.InputShape)}], output \"output\" [N,{string.Join(",", m.OutputShape)}])");
            }
            if (s is not null)
            {
                m.SaveSafetensors(s);
                Console.WriteLine($"wrote {s} ({m.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters as safetensors)");
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static string[] FrozenOf(ModelFile file) =>
        file.Metadata.TryGetValue("frozen", out var f) && f.Length > 0 ? f.Split(',') : [];
}
