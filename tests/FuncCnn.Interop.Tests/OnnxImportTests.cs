using FuncCnn;
using Google.Protobuf;
using Xunit;

namespace FuncCnn.Interop.Tests;

/// <summary>
/// ONNX graphs written by hand in the form torch.onnx gives a plain MLP: Flatten, Gemm with transB = 1,
/// a Constant node for a Reshape's target, Relu after Gemm. Field numbers from onnx.proto.
/// </summary>
public class OnnxImportTests
{
    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms, true);
        write(o);
        o.Flush();
        return ms.ToArray();
    }

    private static void Bytes(CodedOutputStream o, int field, byte[] b) { o.WriteTag(field, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(b)); }
    private static void Text(CodedOutputStream o, int field, string s) { o.WriteTag(field, WireFormat.WireType.LengthDelimited); o.WriteString(s); }
    private static void Int(CodedOutputStream o, int field, long v) { o.WriteTag(field, WireFormat.WireType.Varint); o.WriteInt64(v); }

    private static byte[] FloatTensor(string name, long[] dims, float[] values) => Message(o =>
    {
        foreach (var d in dims) Int(o, 1, d);                 // dims, unpacked
        Int(o, 2, 1);                                         // FLOAT
        foreach (var v in values) { o.WriteTag(4, WireFormat.WireType.Fixed32); o.WriteFloat(v); }   // float_data, unpacked
        Text(o, 8, name);
    });

    private static byte[] Int64Tensor(long[] values) => Message(o =>
    {
        Int(o, 1, values.Length);
        Int(o, 2, 7);                                         // INT64
        foreach (var v in values) Int(o, 7, v);               // int64_data
    });

    private static byte[] Node(string op, string[] inputs, string output, params byte[][] attributes) => Message(o =>
    {
        foreach (var i in inputs) Text(o, 1, i);
        Text(o, 2, output);
        Text(o, 3, "/" + op.ToLowerInvariant());
        Text(o, 4, op);
        foreach (var a in attributes) Bytes(o, 5, a);
    });

    private static byte[] ValueInfo(string name, long[] dims) => Message(o =>
    {
        Text(o, 1, name);
        Bytes(o, 2, Message(t => Bytes(t, 1, Message(tt =>
        {
            Int(tt, 1, 1);
            Bytes(tt, 2, Message(s =>
            {
                Bytes(s, 1, Message(d => Text(d, 2, "batch_size")));
                foreach (var v in dims) Bytes(s, 1, Message(d => Int(d, 1, v)));
            }));
        }))));
    });

    /// <summary>x [N,1,2,2] → Flatten → Gemm(W [3,4], transB) → Relu → Reshape([-1, 3] from a Constant).</summary>
    private static byte[] TorchLikeMlp(float[] w, float[] b, string activation = "Relu") => Message(m =>
    {
        Int(m, 1, 8);
        Bytes(m, 7, Message(g =>
        {
            Bytes(g, 1, Node("Flatten", ["x"], "flat", Message(a => { Text(a, 1, "axis"); Int(a, 3, 1); Int(a, 20, 2); })));
            Bytes(g, 1, Node("Gemm", ["flat", "fc.weight", "fc.bias"], "gemm", Message(a => { Text(a, 1, "transB"); Int(a, 3, 1); Int(a, 20, 2); })));
            Bytes(g, 1, Node(activation, ["gemm"], "act"));
            Bytes(g, 1, Node("Constant", [], "shape", Message(a => { Text(a, 1, "value"); Bytes(a, 5, Int64Tensor([-1, 3])); Int(a, 20, 4); })));
            Bytes(g, 1, Node("Reshape", ["act", "shape"], "y"));
            Text(g, 2, "torch_jit");
            Bytes(g, 5, FloatTensor("fc.weight", [3, 4], w));
            Bytes(g, 5, FloatTensor("fc.bias", [3], b));
            Bytes(g, 11, ValueInfo("x", [1, 2, 2]));
            Bytes(g, 12, ValueInfo("y", [3]));
        }));
        Bytes(m, 8, Message(op => Int(op, 2, 17)));
    });

    [Fact]
    public void A_torch_style_graph_with_transposed_gemm_and_a_constant_shape_imports_and_computes_the_same()
    {
        float[] w = [1, -2, 3, 0.5f, 0, 1, -1, 2, -3, 0.25f, 1, 1];   // [3 outputs, 4 inputs]
        float[] b = [0.1f, -0.2f, 0.3f];
        using var dir = new TempDir();
        var path = dir.File("mlp.onnx");
        File.WriteAllBytes(path, TorchLikeMlp(w, b));
        var model = Model.Load(path);
        Assert.Equal(new[] { "Flatten", "Dense", "Reshape" }, model.Layers.Select(l => l.Type));
        Assert.Equal(new[] { 1, 2, 2 }, model.InputShape);
        float[] x = [0.5f, -1, 2, 3];
        var y = model.Outputs([x])[0];
        for (int o = 0; o < 3; o++)
        {
            float expected = Math.Max(0, b[o] + Enumerable.Range(0, 4).Sum(i => w[o * 4 + i] * x[i]));
            Assert.Equal(expected, y[o], 5);
        }
        // the hand-written graph is valid ONNX: ONNX Runtime runs it and agrees
        var ort = OnnxTests.RunOnnx(File.ReadAllBytes(path), model.InputShape, [x], "x", "y");
        Assert.True(Shared.MaxAbsDiff([y], ort) <= 1e-6f);
    }

    [Fact]
    public void A_cnn_exported_by_torch_onnx_imports_and_computes_what_pytorch_computes()
    {
        // tests/fixtures/onnx/torch_export.py: conv-relu-maxpool, conv(same)-tanh-avgpool, flatten, dropout,
        // linear-sigmoid, linear-softmax, exported by torch 1.13 with opset 13
        var dir = Path.Combine(AppContext.BaseDirectory, "fixtures");
        var model = Model.Load(Path.Combine(dir, "torch_cnn.onnx"));
        // an eval-mode export leaves Dropout out; the activations fold into the layers before them
        Assert.Equal(new[] { "Conv2D", "MaxPooling2D", "Conv2D", "AveragePooling2D", "Flatten", "Dense", "Dense" }, model.Layers.Select(l => l.Type));
        var fixture = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "torch_cnn.json"))).RootElement;
        float[][] Rows(string key) => fixture.GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var actual = model.Outputs(Rows("input"));
        Assert.True(Shared.MaxAbsDiff(Rows("output"), actual) <= 1e-5f);
    }

    [Fact]
    public void An_operator_outside_the_set_is_named_with_the_node()
    {
        using var dir = new TempDir();
        var path = dir.File("mlp.onnx");
        File.WriteAllBytes(path, TorchLikeMlp(new float[12], new float[3], activation: "LeakyRelu"));
        var e = Assert.Throws<ModelFileException>(() => Model.ImportOnnx(path));
        Assert.Contains("/leakyrelu", e.Message);
        Assert.Contains("LeakyRelu", e.Message);
    }
}
