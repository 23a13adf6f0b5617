using FuncCnn.Core;
using System.Collections.Immutable;
using FuncCnn.Interop;

namespace FuncCnn;

/// <summary>
/// Builds a model layer by layer from an input shape, Keras style:
/// <c>ModelBuilder.Input(1, 28, 28).Conv2D(32, 3, Activation.Relu).MaxPool2D(2).Flatten().Dense(10).Build(seed: 42)</c>.
/// Immutable: every method returns a new builder, so a builder can be shared and extended safely.
/// Shapes are checked when the model is built, naming the layer that does not fit.
/// </summary>
public sealed class ModelBuilder
{
    private readonly int[] _input;
    private readonly ImmutableList<LayerSpec> _layers;

    private ModelBuilder(int[] input, ImmutableList<LayerSpec> layers)
    {
        _input = input;
        _layers = layers;
    }

    /// <summary>Starts a model for inputs of the given shape without the batch: (C,H,W) for images (NCHW), e.g. (1, 28, 28); (features) for vectors.</summary>
    /// <exception cref="ArgumentException">The shape is empty or has a size below 1.</exception>
    public static ModelBuilder Input(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape.Any(d => d < 1))
            throw new ArgumentException($"The input shape ({string.Join(",", shape)}) must be positive sizes without the batch: (C,H,W) for images, e.g. (1, 28, 28).", nameof(shape));
        return new ModelBuilder((int[])shape.Clone(), []);
    }

    /// <summary>A builder holding a preset of the model zoo (see <see cref="ModelZoo.Names"/>), e.g. "seed-cnn"; more layers can be added.</summary>
    /// <param name="name">The preset's name.</param>
    /// <param name="classes">The number of outputs of the preset's last Dense layer (the data's class count, e.g. 4 for four QuickDraw categories), or null for the preset's own (10 for MNIST presets, 345 for "quickdraw").</param>
    /// <exception cref="InvalidValueException">There is no such preset (the message lists them), the class count is below 1, or the preset does not end in a Dense layer (the decoder).</exception>
    public static ModelBuilder Preset(string name, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var (specs, input) = ModelBridge.Preset(name, classes);
        return new ModelBuilder(input, [.. specs]);
    }

    /// <summary>The input shape without the batch.</summary>
    public IReadOnlyList<int> InputShape => ReadOnly.Of((int[])_input.Clone());

    /// <summary>The number of layers added so far.</summary>
    public int LayerCount => _layers.Count;

    private ModelBuilder Add(LayerSpec spec) => new(_input, _layers.Add(spec));

    /// <summary>A 2-D convolution with <paramref name="filters"/> square kernels of <paramref name="kernelSize"/> (Glorot-uniform kernel, zero bias).</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel's height and width.</param>
    /// <param name="activation">The nonlinearity after the convolution.</param>
    /// <param name="stride">The step between windows.</param>
    /// <param name="padding">Valid (no padding) or Same (output = ceil(input / stride)).</param>
    /// <param name="useBias">Whether the layer has a bias per filter.</param>
    /// <param name="name">The layer's name (default: Keras style "conv2d", "conv2d_1", ...).</param>
    /// <exception cref="InvalidValueException">The filters, kernel size or stride is below 1 (the message names the parameter, its range and the value), thrown by this call.</exception>
    public ModelBuilder Conv2D(int filters, int kernelSize, Activation activation = FuncCnn.Activation.Linear, int stride = 1, Padding padding = Padding.Valid, bool useBias = true, string? name = null) =>
        Add(ModelBridge.Conv2D(filters, kernelSize, kernelSize, stride, stride, padding, activation, useBias, name));

    /// <summary>A transposed convolution (upsampling): with Same padding the output is input x stride.</summary>
    /// <param name="filters">The number of output channels.</param>
    /// <param name="kernelSize">The kernel's height and width.</param>
    /// <param name="stride">The upsampling factor.</param>
    /// <param name="activation">The nonlinearity after the convolution.</param>
    /// <param name="padding">Same (output = input x stride) or Valid (output = (input - 1) x stride + kernel).</param>
    /// <param name="useBias">Whether the layer has a bias per filter.</param>
    /// <param name="name">The layer's name (default "conv2d_transpose", ...).</param>
    /// <exception cref="InvalidValueException">The filters, kernel size or stride is below 1 (the message names the parameter, its range and the value), thrown by this call.</exception>
    public ModelBuilder Conv2DTranspose(int filters, int kernelSize, int stride = 1, Activation activation = FuncCnn.Activation.Linear, Padding padding = Padding.Same, bool useBias = true, string? name = null) =>
        Add(ModelBridge.Conv2DTranspose(filters, kernelSize, kernelSize, stride, stride, padding, activation, useBias, name));

    /// <summary>Max pooling over <paramref name="size"/> x <paramref name="size"/> windows (floor mode, no padding).</summary>
    /// <param name="size">The window's height and width.</param>
    /// <param name="stride">The step between windows (default: the size).</param>
    /// <param name="name">The layer's name (default "max_pooling2d", ...).</param>
    /// <exception cref="InvalidValueException">The size or stride is below 1 (the message names the parameter, its range and the value), thrown by this call.</exception>
    public ModelBuilder MaxPool2D(int size = 2, int? stride = null, string? name = null) =>
        Add(ModelBridge.MaxPool(size, size, stride ?? size, stride ?? size, name));

    /// <summary>Average pooling over <paramref name="size"/> x <paramref name="size"/> windows (floor mode, no padding).</summary>
    /// <param name="size">The window's height and width.</param>
    /// <param name="stride">The step between windows (default: the size).</param>
    /// <param name="name">The layer's name (default "average_pooling2d", ...).</param>
    /// <exception cref="InvalidValueException">The size or stride is below 1 (the message names the parameter, its range and the value), thrown by this call.</exception>
    public ModelBuilder AvgPool2D(int size = 2, int? stride = null, string? name = null) =>
        Add(ModelBridge.AvgPool(size, size, stride ?? size, stride ?? size, name));

    /// <summary>A fully connected layer (needs a flat input: add <see cref="Flatten"/> after convolutions).</summary>
    /// <param name="units">The number of outputs.</param>
    /// <param name="activation">The nonlinearity (leave a classifier's last layer Linear: training and prediction apply softmax).</param>
    /// <param name="useBias">Whether the layer has a bias.</param>
    /// <param name="name">The layer's name (default "dense", "dense_1", ...).</param>
    /// <exception cref="InvalidValueException">The units is below 1 (the message names the parameter, its range and the value), thrown by this call.</exception>
    public ModelBuilder Dense(int units, Activation activation = FuncCnn.Activation.Linear, bool useBias = true, string? name = null) =>
        Add(ModelBridge.Dense(units, activation, useBias, name));

    /// <summary>Dropout: during training each value is zeroed with probability <paramref name="rate"/> (and the rest scaled up); inactive in prediction.</summary>
    /// <param name="rate">In [0, 1).</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="InvalidValueException">The rate is outside [0, 1) (the message names the parameter, its range and the value), thrown by this call.</exception>
    public ModelBuilder Dropout(double rate, string? name = null) => Add(ModelBridge.Dropout(rate, name));

    /// <summary>Flattens (C,H,W) to (C*H*W) features in channel-major order.</summary>
    /// <param name="name">The layer's name.</param>
    public ModelBuilder Flatten(string? name = null) => Add(ModelBridge.Flatten(name));

    /// <summary>Reshapes to <paramref name="targetShape"/> (without the batch; one entry may be -1), e.g. [64, 7, 7].</summary>
    /// <param name="targetShape">The new shape; (C,H,W) for images.</param>
    /// <param name="name">The layer's name.</param>
    public ModelBuilder Reshape(int[] targetShape, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        return Add(ModelBridge.Reshape(targetShape, name));
    }

    /// <summary>A layer that only applies an activation.</summary>
    /// <param name="activation">The nonlinearity.</param>
    /// <param name="name">The layer's name.</param>
    public ModelBuilder Activation(Activation activation, string? name = null) => Add(ModelBridge.ActivationLayer(activation, name));

    /// <summary>A ReLU activation layer.</summary>
    /// <param name="name">The layer's name.</param>
    public ModelBuilder Relu(string? name = null) => Activation(FuncCnn.Activation.Relu, name);

    /// <summary>A softmax activation layer (over flat features).</summary>
    /// <param name="name">The layer's name.</param>
    public ModelBuilder Softmax(string? name = null) => Activation(FuncCnn.Activation.Softmax, name);

    /// <summary>The layers' names and shapes, inferred without drawing parameters.</summary>
    /// <exception cref="ShapeException">A layer cannot take its input (the message names the layer and shapes).</exception>
    public IReadOnlyList<LayerInfo> Describe() => ModelBridge.Infer(_input, _layers);

    /// <summary>Builds the model: infers every shape and draws the initial parameters from <paramref name="seed"/> (same seed, same parameters).</summary>
    /// <exception cref="ShapeException">A layer cannot take its input (the message names the layer and shapes).</exception>
    /// <exception cref="InvalidValueException">A hyper-parameter is invalid, two layers share a name, or there are no layers.</exception>
    public Model Build(int seed = 0) => new(ModelBridge.Build(seed, _input, _layers), []);
}

/// <summary>The named presets of the teaching notebooks' architectures.</summary>
public static class ModelZoo
{
    /// <summary>The preset names: "seed-cnn", "mnist-5x5", "mnist-same", "mnist-dropout", "fashion-cnn", "quickdraw", "fashion-dense", "o-vs-x", "decoder".</summary>
    public static IReadOnlyList<string> Names { get; } = ModelBridge.PresetNames();

    /// <summary>A preset built with the given seed.</summary>
    /// <param name="name">The preset's name.</param>
    /// <param name="seed">Seeds the initial parameters.</param>
    /// <param name="classes">The number of outputs of the last Dense layer (the training data's class count), or null for the preset's own.</param>
    /// <exception cref="InvalidValueException">There is no such preset (the message lists them), or the class count cannot be set.</exception>
    public static Model Build(string name, int seed = 0, int? classes = null) => ModelBuilder.Preset(name, classes).Build(seed);
}
