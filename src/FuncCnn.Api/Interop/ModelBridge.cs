using FuncCnn.Core;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using CoreActivation = FuncCnn.Core.Activation;
using CoreModel = FuncCnn.Core.Model;
using CorePadding = FuncCnn.Core.Padding;

namespace FuncCnn.Interop;

/// <summary>Layer specs, architectures and built models: everything that names an F# union or list.</summary>
internal static class ModelBridge
{
    public static CoreActivation Activation(Activation a) => a switch
    {
        FuncCnn.Activation.Linear => CoreActivation.Linear,
        FuncCnn.Activation.Relu => CoreActivation.Relu,
        FuncCnn.Activation.Tanh => CoreActivation.Tanh,
        FuncCnn.Activation.Sigmoid => CoreActivation.Sigmoid,
        FuncCnn.Activation.Softmax => CoreActivation.Softmax,
        _ => throw new ArgumentOutOfRangeException(nameof(a), a, "Unknown activation."),
    };

    private static FSharpOption<string> Name(string? name) =>
        name is null ? FSharpOption<string>.None : FSharpOption<string>.Some(name);

    private static CorePadding Pad(Padding p) => p switch
    {
        Padding.Valid => CorePadding.Valid,
        Padding.Same => CorePadding.Same,
        _ => throw new ArgumentOutOfRangeException(nameof(p), p, "Unknown padding."),
    };

    private static ConvSpec Conv(int filters, int kh, int kw, int sh, int sw, Padding padding, Activation activation, bool useBias, string? name) =>
        new(Name(name), filters, Tuple.Create(kh, kw), Tuple.Create(sh, sw), Pad(padding), Activation(activation), useBias,
            Initializer.GlorotUniform, Initializer.Zeros);

    // Layer.validate: the hyper-parameter ranges live in the core; the builder checks them when a
    // layer is added, so the exception comes from the call that received the value.
    public static LayerSpec Conv2D(int filters, int kh, int kw, int sh, int sw, Padding padding, Activation activation, bool useBias, string? name) =>
        Layer.validate(LayerSpec.NewConv2D(Conv(filters, kh, kw, sh, sw, padding, activation, useBias, name)));

    public static LayerSpec Conv2DTranspose(int filters, int kh, int kw, int sh, int sw, Padding padding, Activation activation, bool useBias, string? name) =>
        Layer.validate(LayerSpec.NewConv2DTranspose(Conv(filters, kh, kw, sh, sw, padding, activation, useBias, name)));

    public static LayerSpec MaxPool(int ph, int pw, int sh, int sw, string? name) =>
        Layer.validate(LayerSpec.NewMaxPool2D(new PoolSpec(Name(name), Tuple.Create(ph, pw), Tuple.Create(sh, sw))));

    public static LayerSpec AvgPool(int ph, int pw, int sh, int sw, string? name) =>
        Layer.validate(LayerSpec.NewAvgPool2D(new PoolSpec(Name(name), Tuple.Create(ph, pw), Tuple.Create(sh, sw))));

    public static LayerSpec Dense(int units, Activation activation, bool useBias, string? name) =>
        Layer.validate(LayerSpec.NewDense(new DenseSpec(Name(name), units, Activation(activation), useBias, Initializer.GlorotUniform, Initializer.Zeros)));

    public static LayerSpec Dropout(double rate, string? name) => Layer.validate(LayerSpec.NewDropout(Name(name), (float)rate));

    public static LayerSpec Flatten(string? name) => LayerSpec.NewFlatten(Name(name));

    public static LayerSpec Reshape(int[] target, string? name) => Layer.validate(LayerSpec.NewReshape(Name(name), (int[])target.Clone()));

    public static LayerSpec ActivationLayer(Activation a, string? name) => LayerSpec.NewActivationLayer(Name(name), Activation(a));

    public static Architecture Architecture(IEnumerable<LayerSpec> specs) => ArchitectureModule.ofSpecs(specs);

    public static IReadOnlyList<LayerSpec> Specs(Architecture arch) => arch.Specs.ToArray();

    /// <summary>The layer names and shapes for an input shape (fails like build would).</summary>
    public static IReadOnlyList<LayerInfo> Infer(int[] inputShape, IEnumerable<LayerSpec> specs) =>
        ArchitectureModule.infer(inputShape, Architecture(specs)).Select(Info).ToArray();

    public static CoreModel Build(int seed, int[] inputShape, IEnumerable<LayerSpec> specs) =>
        ModelModule.build(RngModule.create(seed), inputShape, Architecture(specs));

    public static IReadOnlyList<string> PresetNames() => Zoo.presets.Select(p => p.Item1).ToArray();

    public static (IReadOnlyList<LayerSpec> Specs, int[] InputShape) Preset(string name, int? classes = null)
    {
        var (arch, input) = Zoo.preset(name);
        if (classes is { } k) arch = Zoo.withClasses(k, arch);
        return (Specs(arch), input);
    }

    public static LayerInfo Info(BuiltLayer l) =>
        new(l.Name, Layer.typeName(l.Spec), Layer.describe(l.Spec), ReadOnly.Of(l.InputShape.ToArray()), ReadOnly.Of(l.OutputShape.ToArray()), l.ParamCount);

    public static IReadOnlyList<LayerInfo> Layers(CoreModel m) => m.Layers.Select(Info).ToArray();

    public static FSharpFunc<string, bool> Trainable(IEnumerable<string> frozenLayers) => ModelModule.frozen(frozenLayers);

    public static ModelSummary Summary(CoreModel m, IEnumerable<string> frozenLayers)
    {
        var frozen = frozenLayers.ToArray();
        ModelModule.requireLayers("Summary's frozenLayers", frozen, m);
        var s = ModelModule.summaryWith(Trainable(frozen), m);
        var rows = s.Rows.Select(r => new SummaryRow(r.Layer, r.Type, ReadOnly.Of(r.Shape.ToArray()), r.Count, r.Trainable)).ToArray();
        return new ModelSummary(rows, s.TotalParams, s.TrainableParams, s.NonTrainableParams, ModelModule.summaryText(s));
    }

    /// <summary>The zoo's autoencoder: the classifier up to <paramref name="cut"/> (default: its last hidden Dense) under the decoder.</summary>
    public static CoreModel Autoencoder(CoreModel classifier, int seed, string? cut) =>
        Zoo.autoencoderAt(RngModule.create(seed), cut ?? Zoo.defaultCut(classifier), classifier).Item1;

    /// <summary>The layer an autoencoder cuts at by default.</summary>
    public static string DefaultCut(CoreModel classifier) => Zoo.defaultCut(classifier);

    /// <summary>The layers from <paramref name="name"/> to the end with their parameters.</summary>
    public static CoreModel LayersFrom(CoreModel m, string name)
    {
        ModelModule.layer(name, m); // fails listing the layer names
        var kept = m.Layers.SkipWhile(l => l.Name != name).ToArray();
        var names = kept.Select(l => l.Name).ToHashSet();
        var p = m.Params is ParamTree.Branch b
            ? ParamTree.NewBranch(ListModule.OfSeq(b.Item.Where(c => names.Contains(c.Item1))))
            : m.Params;
        return new CoreModel(ListModule.OfSeq(kept), kept[0].InputShape.ToArray(), m.OutputShape.ToArray(), p);
    }

    public static long ParameterCount(CoreModel m) => ParamTreeModule.count(m.Params);

    public static bool EndsInSoftmax(CoreModel m) => ModelModule.endsInSoftmax(m);

    public static FSharpList<T> List<T>(IEnumerable<T> items) => ListModule.OfSeq(items);
}
