using FuncCnn.Core;
using FuncCnn.Interop;
using CoreModel = FuncCnn.Core.Model;

namespace FuncCnn;

/// <summary>
/// A built model: its architecture (named layers with inferred shapes) and its parameters.
/// Immutable and safe to use from many threads at once; training returns a new model.
/// Inputs are images of <see cref="InputShape"/> (C,H,W) as C x H x W floats, row-major,
/// scaled as in training (dataset bytes 0-255 become [0,1]).
/// </summary>
public sealed partial class Model
{
    internal Model(CoreModel core, IReadOnlyList<string> classNames)
    {
        Core = core;
        ClassNames = classNames;
        Layers = ModelBridge.Layers(core);
    }

    internal CoreModel Core { get; }

    /// <summary>One input's shape without the batch, e.g. (1, 28, 28).</summary>
    public IReadOnlyList<int> InputShape => ReadOnly.Of(Core.InputShape.ToArray());

    /// <summary>One output's shape without the batch, e.g. (10) for ten classes.</summary>
    public IReadOnlyList<int> OutputShape => ReadOnly.Of(Core.OutputShape.ToArray());

    /// <summary>The layers in order, with their names and shapes.</summary>
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>The total number of scalar parameters.</summary>
    public long ParameterCount => ModelBridge.ParameterCount(Core);

    /// <summary>The class names, indexed by class (empty until the model is trained on a dataset, loaded with them, or given them).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The same model with class names (used by predictions, evaluations and saved files).</summary>
    public Model WithClassNames(IEnumerable<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        return new Model(Core, ReadOnly.Of(classNames.ToArray()));
    }

    /// <summary>A Keras-style summary: a row per layer (name, type, output shape, parameters) and the totals; <c>ToString()</c> prints the table.</summary>
    /// <param name="frozenLayers">Layers to count as non-trainable.</param>
    public ModelSummary Summary(IEnumerable<string>? frozenLayers = null) => ModelBridge.Summary(Core, frozenLayers ?? []);

    /// <summary>
    /// Trains the model on a labelled dataset with sparse categorical cross-entropy and returns the
    /// trained model (this one is unchanged) and the history. Progress is reported after every batch;
    /// when <paramref name="cancellationToken"/> is cancelled, training stops before the next batch and
    /// returns the model and history so far (<see cref="TrainingHistory.Cancelled"/> is true).
    /// </summary>
    /// <param name="data">The training images; the model's input shape must match theirs.</param>
    /// <param name="options">Epochs, batch size, optimizer, ... (default: <see cref="TrainingOptions"/>'s defaults).</param>
    /// <param name="progress">Receives a <see cref="TrainingProgress"/> after every batch, on the training thread.</param>
    /// <param name="cancellationToken">Stops training at the next batch boundary.</param>
    /// <exception cref="ShapeException">The data does not fit the model.</exception>
    /// <exception cref="InvalidValueException">An option is out of range (the message names it and the value).</exception>
    /// <exception cref="ArgumentException">Options contradict each other or the data (e.g. both ValidationSplit and ValidationData).</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite (try a lower learning rate).</exception>
    public TrainingResult Fit(Dataset data, TrainingOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var outcome = TrainingLoop.Fit(Core, data.Core, options ?? new TrainingOptions(), progress, cancellationToken);
        return new TrainingResult(new Model(outcome.Model, data.ClassNames), outcome.History);
    }

    /// <summary>
    /// An autoencoder made from this trained classifier, as in the teaching notebook: the classifier's
    /// layers up to and including <paramref name="cutAfter"/> (the encoder, with its trained parameters
    /// and names; by default the last hidden Dense layer: "dense1" in the seed CNN preset, "dense" in a
    /// <see cref="ModelBuilder"/>-built seed CNN) followed by the zoo's "decoder" (dense 7x7x64, reshape,
    /// three transposed convolutions, tanh) with fresh parameters, giving images of shape (1, 28, 28).
    /// Train it with <see cref="FitReconstruction"/>, listing the encoder's layers
    /// (<see cref="EncoderLayers"/>) in <see cref="TrainingOptions.FrozenLayers"/> to train the decoder only;
    /// <see cref="LayersFrom"/> then gives the decoder alone, to feed it codes.
    /// </summary>
    /// <param name="seed">Seeds the decoder's initial parameters.</param>
    /// <param name="cutAfter">The encoder's last layer (a layer with a flat output), or null for the last hidden Dense layer.</param>
    /// <exception cref="InvalidValueException">There is no such layer, no hidden Dense layer, or the layer's output is not flat (the message lists the layers).</exception>
    public Model Autoencoder(int seed = 0, string? cutAfter = null) => new(ModelBridge.Autoencoder(Core, seed, cutAfter), []);

    /// <summary>The names of the layers <see cref="Autoencoder"/> keeps as the encoder (up to and including <paramref name="cutAfter"/>, by default the last hidden Dense layer): the list to freeze.</summary>
    /// <param name="cutAfter">The encoder's last layer, or null for the last hidden Dense layer.</param>
    /// <exception cref="InvalidValueException">There is no such layer, or no hidden Dense layer.</exception>
    public IReadOnlyList<string> EncoderLayers(string? cutAfter = null)
    {
        var cut = cutAfter ?? ModelBridge.DefaultCut(Core);
        ModelModule.layer(cut, Core);
        return Layers.Select(l => l.Name).TakeWhile(n => n != cut).Append(cut).ToArray();
    }

    /// <summary>
    /// Trains the model to reproduce its input (an autoencoder): Keras' binary cross-entropy between
    /// the output and the input pixels, which must have the same shape. Labels are ignored, accuracies
    /// are not measured (null in the history, NaN in the progress); otherwise like <see cref="Fit"/>,
    /// including <see cref="TrainingOptions.FrozenLayers"/>, validation and cancellation.
    /// </summary>
    /// <param name="data">The training images, in [0, 1] (byte datasets are scaled).</param>
    /// <param name="options">Epochs, batch size, optimizer, frozen layers, ...</param>
    /// <param name="progress">Receives a <see cref="TrainingProgress"/> after every batch, on the training thread.</param>
    /// <param name="cancellationToken">Stops training at the next batch boundary.</param>
    /// <exception cref="ShapeException">The data does not fit the model, or the output's shape is not the input's.</exception>
    /// <exception cref="InvalidValueException">An option is out of range (the message names it and the value).</exception>
    /// <exception cref="ArgumentException">Options contradict each other or the data (e.g. both ValidationSplit and ValidationData).</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    public TrainingResult FitReconstruction(Dataset data, TrainingOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var outcome = TrainingLoop.Fit(Core, data.Core, options ?? new TrainingOptions(), progress, cancellationToken, reconstruct: true);
        return new TrainingResult(new Model(outcome.Model, []), outcome.History);
    }

    /// <summary>
    /// The model's layers from <paramref name="layerName"/> to the end, with their names and
    /// parameters, as a model taking that layer's input: e.g. an autoencoder's decoder, to turn codes
    /// into images (its output is the last entry of <see cref="FeatureMaps"/>).
    /// </summary>
    /// <param name="layerName">The first layer kept (see <see cref="Layers"/>).</param>
    /// <exception cref="InvalidValueException">No such layer (the message lists the layers).</exception>
    public Model LayersFrom(string layerName)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        return new Model(ModelBridge.LayersFrom(Core, layerName), layerName == Layers[0].Name ? ClassNames : []);
    }

    /// <summary><see cref="Fit"/> on a thread-pool thread. Cancellation returns the partial result (it does not throw).</summary>
    /// <param name="data">The training images.</param>
    /// <param name="options">Training options.</param>
    /// <param name="progress">Receives progress after every batch (a <see cref="Progress{T}"/> posts it to the caller's context).</param>
    /// <param name="cancellationToken">Stops training at the next batch boundary.</param>
    public Task<TrainingResult> FitAsync(Dataset data, TrainingOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Task.Run(() => Fit(data, options, progress, cancellationToken), CancellationToken.None);
    }

    /// <summary>Loss, accuracy, confusion matrix and misclassified examples on a labelled dataset.</summary>
    /// <param name="data">The images; same shape as the model's input.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <exception cref="ShapeException">The data does not fit the model.</exception>
    public EvaluationResult Evaluate(Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var names = ClassNames.Count > 0 ? ClassNames : data.ClassNames;
        return UseBridge.Evaluate(Core, data.Core, batchSize, Pad(names));
    }

    private IReadOnlyList<string> Pad(IReadOnlyList<string> names)
    {
        int classes = Core.OutputShape.Length == 1 ? Core.OutputShape[0] : 0;
        return ReadOnly.Of(Enumerable.Range(0, classes).Select(i => i < names.Count ? names[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    private Prediction ToPrediction(float[] probabilities)
    {
        int c = UseBridge.PredictedClass(probabilities);
        var name = c < ClassNames.Count ? ClassNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new Prediction(c, name, ReadOnly.Of(probabilities));
    }

    /// <summary>Class probabilities and the most probable class of one image.</summary>
    /// <param name="image">C x H x W values, row-major, scaled as in training (e.g. <see cref="Dataset.Image"/>).</param>
    /// <exception cref="ShapeException">The image does not have the model's input size.</exception>
    /// <exception cref="InvalidValueException">The model is not a classifier.</exception>
    public Prediction Predict(float[] image) => ToPrediction(UseBridge.Probabilities(Core, UseBridge.Batch(Core, image))[0]);

    /// <summary>Predictions for a batch of images, in order.</summary>
    /// <param name="images">Each C x H x W values, row-major.</param>
    /// <exception cref="ShapeException">An image does not have the model's input size.</exception>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<float[]> images) =>
        UseBridge.Probabilities(Core, UseBridge.Batch(Core, images)).Select(ToPrediction).ToArray();

    /// <summary>Predictions for every image of a dataset, in order.</summary>
    /// <param name="data">The images.</param>
    public IReadOnlyList<Prediction> Predict(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return UseBridge.Probabilities(Core, data.Core).Select(ToPrediction).ToArray();
    }

    /// <summary>The output of every layer for one image, by layer, in order (prediction mode: dropout off).</summary>
    /// <param name="image">C x H x W values, row-major.</param>
    public IReadOnlyList<FeatureMap> FeatureMaps(float[] image) => UseBridge.FeatureMaps(Core, image);

    /// <summary>The learned kernel and bias of a layer (Conv2D, Conv2DTranspose or Dense).</summary>
    /// <param name="layerName">The layer's name, e.g. "conv1" (see <see cref="Layers"/>).</param>
    /// <exception cref="InvalidValueException">No such layer, or it has no weights (the message lists the candidates).</exception>
    public LayerFilters Filters(string layerName) => UseBridge.Filters(Core, layerName);

    /// <summary>The gradient of a class's score (its logit) with respect to the input: which pixels matter for that class (a saliency map).</summary>
    /// <param name="image">C x H x W values, row-major.</param>
    /// <param name="classIndex">The class whose score is differentiated.</param>
    public SaliencyMap InputGradient(float[] image, int classIndex) => UseBridge.InputGradient(Core, image, classIndex);

    /// <summary>
    /// Saves the model (architecture, parameters, class names and, when given, the training history
    /// and metadata) in FuncCnn's versioned, checksummed format. The write is atomic.
    /// </summary>
    /// <param name="path">The file to write (conventionally *.fcnn).</param>
    /// <param name="history">A training history to keep in the file.</param>
    /// <param name="metadata">Free-form key/value metadata (dataset, seed, ...).</param>
    /// <exception cref="IOException">The file could not be written (the message names the file and its folder); a missing folder is created.</exception>
    public void Save(string path, TrainingHistory? history = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        UseBridge.Save(path, Core, ClassNames, history, metadata);

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>, with its class names, or imports a Keras (.h5, .keras)
    /// or ONNX model: the format is recognised by the file's content, not its name (see <see cref="ImportKeras"/>).
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">The file is not a valid model file (wrong format, newer version, corrupted).</exception>
    public static Model Load(string path) => LoadFile(path).Model;

    /// <summary>Loads a model file with everything it holds: the model, its training history and metadata.</summary>
    /// <param name="path">The model file.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">The file is not a valid model file.</exception>
    public static ModelFile LoadFile(string path)
    {
        if (ImportByContent(path) is { } imported) return imported;   // Keras or ONNX (ModelInterop.cs)
        var (core, names, history, metadata) = UseBridge.Load(path);
        return new ModelFile(new Model(core, ReadOnly.Of(names)), history, metadata);
    }

    /// <summary>"Model (1,28,28) -> (10), 121,930 parameters".</summary>
    public override string ToString() =>
        $"Model ({string.Join(",", Core.InputShape)}) -> ({string.Join(",", Core.OutputShape)}), {ParameterCount:N0} parameters";
}

/// <summary>What a model file holds.</summary>
/// <param name="Model">The model with its class names.</param>
/// <param name="History">The training history saved with it (empty when none was saved).</param>
/// <param name="Metadata">Free-form metadata saved with it.</param>
public sealed record ModelFile(Model Model, TrainingHistory History, IReadOnlyDictionary<string, string> Metadata);
