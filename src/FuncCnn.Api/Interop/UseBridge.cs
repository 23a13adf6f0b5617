using FuncCnn.Core;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using CoreModel = FuncCnn.Core.Model;
using CoreDataset = FuncCnn.Core.Data.Dataset;
using CoreDatasetModule = FuncCnn.Core.Data.DatasetModule;

namespace FuncCnn.Interop;

/// <summary>Inference, evaluation, inspection and files: the core calls behind a trained model's methods.</summary>
internal static class UseBridge
{
    private static readonly Rng EvalRng = RngModule.create(0L);

    public static void RequireClassifier(CoreModel m, string what)
    {
        if (m.OutputShape.Length != 1)
            throw new InvalidValueException($"{what} needs a classifier (an output of class scores), but this model's output has shape ({string.Join(",", m.OutputShape)}).");
    }

    /// <summary>Values in one input (C*H*W): the core's count, which never wraps around (a ShapeException names the shape).</summary>
    private static int ImageSize(CoreModel m) => Shape.numel([.. m.InputShape]);

    public static Tensor Batch(CoreModel m, float[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int size = ImageSize(m);
        if (image.Length != size)
            throw new ShapeException($"The model takes images of shape ({string.Join(",", m.InputShape)}) = {size} values (C,H,W row-major, scaled to [0,1]), but {image.Length} values were given.");
        RequireFinite(image, "The image");
        return TensorModule.ofArray([1, .. m.InputShape], image);
    }

    public static Tensor Batch(CoreModel m, IReadOnlyList<float[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int size = ImageSize(m);
        var data = new float[Shape.numel([images.Count, .. m.InputShape])];
        for (int i = 0; i < images.Count; i++)
        {
            var img = images[i] ?? throw new ArgumentNullException(nameof(images), $"Image {i} is null.");
            if (img.Length != size)
                throw new ShapeException($"Image {i} has {img.Length} values but the model takes images of shape ({string.Join(",", m.InputShape)}) = {size} values (C,H,W row-major).");
            RequireFinite(img, $"Image {i}");
            Array.Copy(img, 0, data, i * size, size);
        }
        return TensorModule.ofArray([images.Count, .. m.InputShape], data);
    }

    /// <summary>Rejects NaN and infinite pixels: a model's answer to them is meaningless (class 0 with confidence NaN).</summary>
    private static void RequireFinite(float[] image, string what)
    {
        int bad = Array.FindIndex(image, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InvalidValueException($"{what} has a non-finite value ({image[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)}) at index {bad} (C,H,W row-major); every pixel must be a finite number, e.g. in [0, 1].");
    }

    /// <summary>Probabilities [N, classes] as rows.</summary>
    public static float[][] Probabilities(CoreModel m, Tensor batch, int batchSize = 128)
    {
        RequireClassifier(m, "Predict");
        var p = Train.predict(batchSize, m, batch);
        return Rows(p.ToArray(), p.Shape[1]);
    }

    /// <summary>Probabilities [N, classes] of every image of a dataset, as rows: chunk by chunk into reused buffers (Inference).</summary>
    public static float[][] Probabilities(CoreModel m, CoreDataset ds)
    {
        RequireClassifier(m, "Predict");
        return Rows(Inference.probabilities(m, ds), m.OutputShape[0]);
    }

    private static float[][] Rows(float[] flat, int classes)
    {
        var rows = new float[flat.Length / classes][];
        for (int i = 0; i < rows.Length; i++) rows[i] = flat.AsSpan(i * classes, classes).ToArray();
        return rows;
    }

    public static EvaluationResult Evaluate(CoreModel m, CoreDataset ds, int batchSize, IReadOnlyList<string> classNames)
    {
        RequireClassifier(m, "Evaluate");
        if (ds.Labels.Length == 0) throw new ArgumentException("The dataset is empty.", nameof(ds));
        if (!ds.ImageShape.SequenceEqual(m.InputShape))
            throw new ShapeException($"The dataset's images have shape ({string.Join(",", ds.ImageShape)}) but the model takes ({string.Join(",", m.InputShape)}) (C,H,W).");
        int classes = m.OutputShape[0];
        if (ds.ClassNames.Length > classes)
            throw new ShapeException($"The dataset has {ds.ClassNames.Length} classes but the model only {classes} outputs.");
        var a = Train.assess(batchSize, m, ExamplesModule.ofDataset(ds));
        var wrong = a.Misclassified.Select(e => new MisclassifiedExample(e.Index, e.Predicted, e.Actual, e.Confidence)).ToArray();
        return new EvaluationResult(a.AssessedLoss, a.AssessedAccuracy, a.Count, new ConfusionMatrix(a.Confusion, classNames), wrong);
    }

    /// <summary>The most probable class of one probability row, by the core's rule (first maximum on ties).</summary>
    public static int PredictedClass(float[] probabilities) =>
        FuncCnn.Core.Metrics.argmaxRows(TensorModule.ofArray([1, probabilities.Length], probabilities))[0];

    public static IReadOnlyList<FeatureMap> FeatureMaps(CoreModel m, float[] image)
    {
        var types = m.Layers.ToDictionary(l => l.Name, l => Layer.typeName(l.Spec));
        return ModelModule.activations(m, Batch(m, image))
            .Select(a => new FeatureMap(a.Item1, types[a.Item1], ReadOnly.Of(a.Item2.Shape[1..]), ReadOnly.Of(a.Item2.ToArray())))
            .ToArray();
    }

    public static LayerFilters Filters(CoreModel m, string layerName)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        var layer = ModelModule.layer(layerName, m); // fails listing the layer names
        var kernel = ParamTreeModule.tryFind(layerName + "/kernel", m.Params);
        if (kernel is null || !kernel.Value.IsLeaf)
        {
            var withKernels = m.Layers.Where(l => ParamTreeModule.tryFind(l.Name + "/kernel", m.Params) is not null).Select(l => l.Name);
            throw new InvalidValueException($"Layer '{layerName}' ({Layer.typeName(layer.Spec)}) has no weights; the layers with weights are: {string.Join(", ", withKernels)}.");
        }
        var k = ((ParamTree.Leaf)kernel.Value).Item;
        var bias = ParamTreeModule.tryFind(layerName + "/bias", m.Params);
        var b = bias is not null && bias.Value is ParamTree.Leaf leaf ? leaf.Item.ToArray() : [];
        return new LayerFilters(layerName, Layer.typeName(layer.Spec), ReadOnly.Of(k.Shape), ReadOnly.Of(k.ToArray()), ReadOnly.Of(b));
    }

    public static SaliencyMap InputGradient(CoreModel m, float[] image, int classIndex)
    {
        RequireClassifier(m, "InputGradient");
        int classes = m.OutputShape[0];
        if (classIndex < 0 || classIndex >= classes)
            throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The model has classes 0..{classes - 1}.");
        var x = Batch(m, image);
        var mask = new float[classes];
        mask[classIndex] = 1f;
        var select = TensorModule.ofArray([1, classes], mask);
        var score = FSharpFunc<Tensor, Tensor>.FromConverter(input =>
            Ops.sum(Ops.mul(ModelModule.applyLogits(m, m.Params, Nn.Mode.Eval, EvalRng, input), select)));
        var (value, grad) = Autodiff.valueAndGrad(score, x);
        return new SaliencyMap(classIndex, value.ToScalar(), ReadOnly.Of(m.InputShape.ToArray()), ReadOnly.Of(grad.ToArray()));
    }

    public static void Save(string path, CoreModel m, IReadOnlyList<string> classNames, TrainingHistory? history, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        var records = ListModule.OfSeq((history?.Epochs ?? []).Where(e => e.Complete).Select(TrainingLoop.Record));
        var meta = new FSharpMap<string, string>((metadata ?? new Dictionary<string, string>()).Select(kv => Tuple.Create(kv.Key, kv.Value)));
        Serialization.save(path, new SavedModel(m, classNames.ToArray(), records, meta));
    }

    public static (CoreModel Model, string[] ClassNames, TrainingHistory History, IReadOnlyDictionary<string, string> Metadata) Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No model file at '{Path.GetFullPath(path)}'.", path);
        var s = Serialization.load(path);
        var history = new TrainingHistory(s.History.Select(TrainingLoop.Result).ToArray());
        return (s.Model, s.ClassNames.ToArray(), history, s.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value));
    }
}
