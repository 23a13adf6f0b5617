using FuncCnn.Core;
using Microsoft.FSharp.Collections;

namespace FuncCnn;

public sealed partial class Model
{
    /// <summary>
    /// The same model with one layer's weights replaced (Keras' <c>layer.set_weights</c>), e.g. hand-made
    /// kernels in a Conv2D. The values are in the layout <see cref="Filters"/> returns: Conv2D kernels
    /// [filters, channels, height, width], Conv2DTranspose [channels, filters, height, width], Dense
    /// [inputs, units], row-major; the bias has one value per filter or unit. This model is unchanged.
    /// </summary>
    /// <param name="layerName">The layer (see <see cref="Layers"/>).</param>
    /// <param name="kernel">The new kernel, as many values as the layer's kernel has.</param>
    /// <param name="bias">The new bias, or null to keep the current one.</param>
    /// <exception cref="InvalidValueException">No such layer, the layer has no weights (or no bias), or a value is not finite.</exception>
    /// <exception cref="ShapeException">A value count does not fit the layer (the message gives the shape expected).</exception>
    public Model WithWeights(string layerName, float[] kernel, float[]? bias = null)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        ArgumentNullException.ThrowIfNull(kernel);
        var shapes = ParameterShapes(layerName);
        var values = new List<Tuple<string, Tensor>> { Tuple.Create("kernel", Wrap(layerName, "kernel", shapes, kernel)) };
        if (bias is not null) values.Add(Tuple.Create("bias", Wrap(layerName, "bias", shapes, bias)));
        return new Model(ModelModule.withWeights(layerName, ListModule.OfSeq(values), Core), ClassNames);
    }

    /// <summary>
    /// The same model with a Conv2D layer's filters set to 2-D kernels, one per filter, e.g.
    /// <c>model.WithKernels("conv", [ImageKernel.SobelX, ImageKernel.SobelY])</c> as the notebook does with
    /// <c>set_weights</c>. With several input channels each kernel is used on every channel.
    /// </summary>
    /// <param name="layerName">A Conv2D layer.</param>
    /// <param name="kernels">One kernel per filter, each of the layer's kernel size.</param>
    /// <param name="bias">The new bias (one per filter), or null to keep the current one.</param>
    /// <exception cref="InvalidValueException">No such layer, or it is not a Conv2D.</exception>
    /// <exception cref="ShapeException">The number or size of the kernels does not fit the layer.</exception>
    public Model WithKernels(string layerName, IReadOnlyList<ImageKernel> kernels, float[]? bias = null)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        ArgumentNullException.ThrowIfNull(kernels);
        var shape = ParameterShapes(layerName).First(s => s.Item1 == "kernel").Item2;
        var layer = Layers.First(l => l.Name == layerName);
        if (layer.Type != "Conv2D")
            throw new InvalidValueException($"Layer '{layerName}' is a {layer.Type}; WithKernels sets the filters of a Conv2D (use WithWeights for other layers).");
        int filters = shape[0], channels = shape[1], kh = shape[2], kw = shape[3];
        if (kernels.Count != filters)
            throw new ShapeException($"Layer '{layerName}' has {filters} filters but {kernels.Count} kernels were given.");
        var values = new float[filters * channels * kh * kw];
        for (int f = 0; f < filters; f++)
        {
            var k = kernels[f] ?? throw new ArgumentNullException(nameof(kernels), $"Kernel {f} is null.");
            if (k.Height != kh || k.Width != kw)
                throw new ShapeException($"Layer '{layerName}' has {kh}x{kw} kernels but kernel {f} ('{k.Name}') is {k.Height}x{k.Width}.");
            var v = k.Values;
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        values[((f * channels + c) * kh + i) * kw + j] = v[i, j];
        }
        return WithWeights(layerName, values, bias);
    }

    private IReadOnlyList<Tuple<string, int[]>> ParameterShapes(string layerName)
    {
        var built = ModelModule.layer(layerName, Core);   // fails listing the layers
        var shapes = Layer.parameterShapes(built.Spec, built.InputShape).ToArray();
        if (shapes.Length == 0)
        {
            var withWeights = Layers.Where(l => l.ParameterCount > 0).Select(l => l.Name);
            throw new InvalidValueException($"Layer '{layerName}' ({Layer.typeName(built.Spec)}) has no weights to set; the layers with weights are: {string.Join(", ", withWeights)}.");
        }
        return shapes;
    }

    private static Tensor Wrap(string layerName, string what, IReadOnlyList<Tuple<string, int[]>> shapes, float[] values)
    {
        var shape = shapes.FirstOrDefault(s => s.Item1 == what)?.Item2
            ?? throw new InvalidValueException($"Layer '{layerName}' has no {what} (it was built without one).");
        int size = Shape.numel(shape);
        if (values.Length != size)
            throw new ShapeException($"Layer '{layerName}': the {what} has shape ({string.Join(",", shape)}) = {size} values, but {values.Length} were given.");
        return TensorModule.ofArray(shape, values);
    }
}
