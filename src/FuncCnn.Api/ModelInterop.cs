using FuncCnn.Core;
using FuncCnn.Core.Interop;
using Microsoft.FSharp.Collections;

namespace FuncCnn;

/// <summary>A model imported from another framework's file, with what that file says about it.</summary>
/// <param name="Model">The imported model; it computes what the original computes on the same image (NCHW here, NHWC in Keras).</param>
/// <param name="FrozenLayers">Layers the original marked as not trainable (pass them as <see cref="TrainingOptions.FrozenLayers"/> to keep training the rest).</param>
/// <param name="SourceName">The model's own name in the file ("cnn_model").</param>
/// <param name="Format">"keras-h5", "keras" (a Keras 3 archive) or "onnx".</param>
public sealed record ImportedModel(Model Model, IReadOnlyList<string> FrozenLayers, string SourceName, string Format);

public sealed partial class Model
{
    /// <summary>
    /// Imports a Keras model: the legacy HDF5 format (.h5, <c>model.save("m.h5")</c>) or a Keras 3 archive
    /// (.keras), recognised by content. Supported: chains (Sequential, or Functional without branches) of
    /// InputLayer, Conv2D, Conv2DTranspose, MaxPooling2D, AveragePooling2D, Dense, Dropout, Flatten, Reshape
    /// and Activation, float32, channels_last. Kernels and the order around Flatten and Reshape are
    /// converted from Keras' NHWC so the outputs equal Keras' on the same image given as (C,H,W).
    /// A model ending in softmax outputs probabilities; <see cref="Evaluate"/>, <see cref="Predict(float[])"/>
    /// and training take that into account (no second softmax; the loss uses the logits before it).
    /// </summary>
    /// <param name="path">The .h5 or .keras file.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">The file is not a Keras model, is damaged, or uses a layer, activation, data format or dtype FuncCnn does not support (the message names the layer and what).</exception>
    public static Model ImportKeras(string path) => ImportKerasFile(path).Model;

    /// <summary>Like <see cref="ImportKeras"/>, with the layers Keras froze and the model's name.</summary>
    /// <inheritdoc cref="ImportKeras" path="/param"/>
    /// <inheritdoc cref="ImportKeras" path="/exception"/>
    public static ImportedModel ImportKerasFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var k = Keras.load(path);
        var format = StartsWith(path, Keras.zipSignature) ? "keras" : "keras-h5";
        return new ImportedModel(new Model(k.Model, []), k.Frozen.ToArray(), k.Name, format);
    }

    /// <summary>
    /// Writes the model as ONNX (opset 13, NCHW input "input" [N,C,H,W] with a dynamic batch dimension,
    /// output "output", weights as initializers), to run it with ONNX Runtime or any ONNX tool.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <exception cref="IOException">The file could not be written (the message names the file and its folder); a missing folder is created.</exception>
    public void ExportOnnx(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Onnx.save(path, Core);
    }

    /// <summary>The model's ONNX bytes (see <see cref="ExportOnnx"/>).</summary>
    public byte[] ToOnnx() => Onnx.toBytes(Core);

    /// <summary>
    /// Imports an ONNX model made of a chain of Conv, ConvTranspose, MaxPool, AveragePool, Gemm (or MatMul
    /// + Add), Relu, Tanh, Sigmoid, Softmax, Flatten, Reshape, Dropout and Identity, NCHW with one input
    /// of known shape apart from the batch (e.g. a CNN exported by torch.onnx or by <see cref="ExportOnnx"/>).
    /// </summary>
    /// <param name="path">The .onnx file.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">The file is not valid ONNX, or uses an operator or attribute FuncCnn does not support (the message names the node and its op type).</exception>
    public static Model ImportOnnx(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new Model(Onnx.load(path), []);
    }

    /// <summary>
    /// Saves the parameters (not the architecture) as safetensors: one float32 tensor per parameter, named by
    /// its path ("conv1/kernel", shapes as in FuncCnn: conv kernels [out,in,kh,kw], dense kernels [in,out]),
    /// with the class names in the metadata. Load them into a model of the same architecture with
    /// <see cref="LoadSafetensors"/>.
    /// </summary>
    /// <param name="path">The .safetensors file to write.</param>
    /// <exception cref="IOException">The file could not be written (the message names the file and its folder); a missing folder is created.</exception>
    public void SaveSafetensors(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var meta = new Dictionary<string, string> { ["format"] = "funccnn", ["classes"] = string.Join("\n", ClassNames) };
        Safetensors.save(path, MapModule.OfSeq(meta.Select(kv => Tuple.Create(kv.Key, kv.Value))), Core);
    }

    /// <summary>
    /// This architecture with its parameters read from a safetensors file (written by
    /// <see cref="SaveSafetensors"/> or any tool using the same names and shapes). The header is validated
    /// before any data is read: offsets in bounds and contiguous, sizes matching shapes.
    /// </summary>
    /// <param name="path">The .safetensors file.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">The file is malformed, or a tensor is missing, extra, not float32 or of the wrong shape (named).</exception>
    public Model LoadSafetensors(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (core, meta) = Safetensors.load(path, Core).ToValueTuple();
        var names = meta.TryFind("classes") is { } c && c.Value.Length > 0 ? c.Value.Split('\n') : ClassNames.ToArray();
        return new Model(core, ReadOnly.Of(names));
    }

    /// <summary>
    /// The model's raw outputs (its last layer's values, e.g. probabilities for a model ending in softmax,
    /// logits otherwise, images for a generator), one array per input image, computed in batches.
    /// </summary>
    /// <param name="images">Images of <see cref="InputShape"/>, C x H x W floats each.</param>
    /// <param name="batchSize">How many images go through the model at once.</param>
    /// <exception cref="ShapeException">An image does not have the model's input size.</exception>
    public IReadOnlyList<float[]> Outputs(IReadOnlyList<float[]> images, int batchSize = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (images.Count == 0) return [];
        var output = Train.predictOutputs(batchSize, Core, FuncCnn.Interop.UseBridge.Batch(Core, images)).ToArray();
        int size = output.Length / images.Count;
        return Enumerable.Range(0, images.Count).Select(i => output.AsSpan(i * size, size).ToArray()).ToArray();
    }

    private static bool StartsWith(string path, byte[] signature)
    {
        Span<byte> head = stackalloc byte[8];
        using var fs = File.OpenRead(path);
        int n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return n >= signature.Length && head[..signature.Length].SequenceEqual(signature);
    }

    /// <summary>
    /// The format of a model file by its content: "funccnn" (starts with "FCNN"), "keras-h5" (HDF5),
    /// "keras" (zip), "safetensors" (an 8-byte header length then '{'), "onnx" (a protobuf ModelProto:
    /// its first field is ir_version), or null when none fits.
    /// </summary>
    internal static string? DetectFormat(string path)
    {
        Span<byte> head = stackalloc byte[9];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var h = head[..n];
        if (h.StartsWith("FCNN"u8)) return "funccnn";
        if (h.StartsWith(Keras.hdf5Signature)) return "keras-h5";
        if (h.StartsWith(Keras.zipSignature)) return "keras";
        if (n >= 9 && h[8] == (byte)'{') return "safetensors";
        if (n >= 1 && h[0] == 0x08) return "onnx";   // field 1 (ir_version), varint
        return null;
    }

    /// <summary>Keras and ONNX files for <see cref="LoadFile"/>; null for FuncCnn's own format.</summary>
    private static ModelFile? ImportByContent(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) return null;   // LoadFile's own FileNotFoundException
        var empty = new Dictionary<string, string>();
        switch (DetectFormat(path))
        {
            case "keras-h5" or "keras":
                var k = ImportKerasFile(path);
                return new ModelFile(k.Model, new TrainingHistory([]),
                    new Dictionary<string, string> { ["format"] = k.Format, ["name"] = k.SourceName, ["frozen"] = string.Join(",", k.FrozenLayers) });
            case "onnx":
                return new ModelFile(ImportOnnx(path), new TrainingHistory([]), new Dictionary<string, string> { ["format"] = "onnx" });
            case "safetensors":
                throw new ModelFileException(path, "is a safetensors file, which holds parameters but no architecture: build the model, then call LoadSafetensors");
            default:
                return null;
        }
    }
}
