using FuncCnn;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace FuncCnn.Interop.Tests;

/// <summary>ONNX exports run in ONNX Runtime and compute what FuncCnn computes; ONNX imports round-trip.</summary>
public class OnnxTests(ITestOutputHelper output)
{
    public static TheoryData<string> Presets() => new(ModelZoo.Names);

    /// <summary>Real MNIST images when the model takes them, otherwise seeded values in [0,1] of its input shape.</summary>
    private static float[][] Inputs(Model model, int count)
    {
        if (model.InputShape.SequenceEqual([1, 28, 28])) return Shared.MnistImages(count);
        var rng = new Random(7);
        int size = model.InputShape.Aggregate(1, (a, b) => a * b);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, size).Select(_ => rng.NextSingle()).ToArray()).ToArray();
    }

    /// <summary>Runs an ONNX model in ONNX Runtime on a batch of images.</summary>
    internal static float[][] RunOnnx(byte[] onnx, IReadOnlyList<int> inputShape, float[][] images, string inputName = "input", string outputName = "output")
    {
        using var session = new InferenceSession(onnx);
        int size = images[0].Length;
        var data = new float[images.Length * size];
        for (int i = 0; i < images.Length; i++) images[i].CopyTo(data, i * size);
        var input = new DenseTensor<float>(data, [images.Length, .. inputShape]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, input)]);
        var flat = results.Single(r => r.Name == outputName).AsEnumerable<float>().ToArray();
        int outSize = flat.Length / images.Length;
        return Enumerable.Range(0, images.Length).Select(i => flat.AsSpan(i * outSize, outSize).ToArray()).ToArray();
    }

    private void AssertOnnxRuntimeAgrees(Model model, string what)
    {
        var images = Inputs(model, 16);
        var ours = model.Outputs(images);
        var theirs = RunOnnx(model.ToOnnx(), model.InputShape, images);
        float diff = Shared.MaxAbsDiff(ours, theirs);
        output.WriteLine($"{what}: max |FuncCnn - ONNX Runtime| = {diff:E2} over {images.Length} inputs");
        Assert.True(diff <= 1e-5f, $"{what}: max abs difference {diff}");
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_zoo_presets_export_runs_in_onnx_runtime_with_the_same_outputs(string preset) =>
        AssertOnnxRuntimeAgrees(ModelZoo.Build(preset, seed: 3), preset);

    [Theory]
    [InlineData("cnn_model.h5")]
    [InlineData("cnn_generator.h5")]
    [InlineData("mlp_model.h5")]
    public void The_imported_keras_models_export_runs_in_onnx_runtime_with_the_same_outputs(string file) =>
        AssertOnnxRuntimeAgrees(Model.ImportKeras(Shared.Keras(file)), file);

    [Fact]
    public void Odd_geometries_export_faithfully_same_padding_strides_and_transposed_kernels()
    {
        var model = ModelBuilder.Input(3, 11, 9)
            .Conv2D(4, 3, Activation.Tanh, stride: 2, padding: Padding.Same)
            .Conv2DTranspose(5, 4, 3, Activation.Sigmoid)          // k > s: padding split unevenly
            .Conv2DTranspose(2, 2, 3, Activation.Relu)             // k < s: output_padding
            .Conv2D(3, 2, padding: Padding.Same, useBias: false)
            .AvgPool2D(2).Flatten().Dropout(0.3).Dense(7).Softmax()
            .Build(seed: 5);
        AssertOnnxRuntimeAgrees(model, "odd geometry");
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Export_then_import_gives_identical_outputs(string preset)
    {
        var model = ModelZoo.Build(preset, seed: 4);
        using var dir = new TempDir();
        var path = dir.File("m.onnx");
        model.ExportOnnx(path);
        var back = Model.Load(path);   // recognised by content
        Assert.Equal(model.Layers.Select(l => (l.Name, l.Type)), back.Layers.Select(l => (l.Name, l.Type)));
        var images = Inputs(model, 8);
        var a = model.Outputs(images);
        var b = back.Outputs(images);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], b[i]);
    }

    [Fact]
    public void The_keras_generator_round_trips_through_onnx()
    {
        var model = Model.ImportKeras(Shared.Keras("cnn_generator.h5"));
        var back = Model.ImportOnnx(Write(model.ToOnnx(), out var dir));
        using (dir)
        {
            var noise = Shared.ReferenceRows("noise");
            Assert.Equal(model.Outputs(noise), back.Outputs(noise));
        }
    }

    private static string Write(byte[] bytes, out TempDir dir)
    {
        dir = new TempDir();
        var path = dir.File("m.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void An_unsupported_operator_is_named_with_its_node()
    {
        // the seed CNN's export with its first Relu renamed to LeakyRelu (same length, so the bytes stay valid)
        var bytes = ModelZoo.Build("seed-cnn").ToOnnx();
        var text = System.Text.Encoding.ASCII.GetBytes("Relu");
        int at = bytes.AsSpan().IndexOf(text);
        // op_type field (4) "Relu": tag 0x22, length 4
        int op = Enumerable.Range(0, bytes.Length - 6).First(i => bytes[i] == 0x22 && bytes[i + 1] == 4 && bytes.AsSpan(i + 2, 4).SequenceEqual(text));
        "Elu_"u8.CopyTo(bytes.AsSpan(op + 2, 4));
        var path = Write(bytes, out var dir);
        using (dir)
        {
            var e = Assert.Throws<ModelFileException>(() => Model.ImportOnnx(path));
            Assert.Contains("Elu_", e.Message);
            Assert.Contains("not supported", e.Message);
        }
        Assert.True(at >= 0);
    }

    [Fact]
    public void Truncated_or_garbage_onnx_files_fail_with_a_model_file_exception()
    {
        var bytes = ModelZoo.Build("seed-cnn").ToOnnx();
        using var dir = new TempDir();
        foreach (var (name, content) in new[] { ("half", bytes[..(bytes.Length / 2)]), ("garbage", Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray()), ("empty", Array.Empty<byte>()) })
        {
            var path = dir.File(name + ".onnx");
            File.WriteAllBytes(path, content);
            var e = Assert.Throws<ModelFileException>(() => Model.ImportOnnx(path));
            Assert.Contains(name, e.Message);
        }
    }
}
