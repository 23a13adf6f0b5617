using FuncCnn.Core;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace FuncCnn;

/// <summary>A layer of a built model: its unique name, Keras-style type, hyper-parameters and shapes.</summary>
/// <param name="Name">The unique name, e.g. "conv1" or "dense_1"; parameters are named "name/kernel", "name/bias".</param>
/// <param name="Type">The Keras-style class name, e.g. "Conv2D", "MaxPooling2D".</param>
/// <param name="Description">A short description of the hyper-parameters, e.g. "Conv2D 32@3x3, stride 1x1, valid, relu".</param>
/// <param name="InputShape">The input shape without the batch: (C,H,W) for images, (features) for vectors.</param>
/// <param name="OutputShape">The output shape without the batch.</param>
/// <param name="ParameterCount">The number of scalar parameters.</param>
public sealed record LayerInfo(string Name, string Type, string Description, IReadOnlyList<int> InputShape, IReadOnlyList<int> OutputShape, int ParameterCount);

/// <summary>One row of a model summary.</summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="Type">The Keras-style class name.</param>
/// <param name="OutputShape">The output shape without the batch.</param>
/// <param name="Parameters">The number of scalar parameters.</param>
/// <param name="Trainable">False when the layer's parameters are frozen.</param>
public sealed record SummaryRow(string Layer, string Type, IReadOnlyList<int> OutputShape, int Parameters, bool Trainable);

/// <summary>A Keras-style model summary: a row per layer, the totals and a printable table.</summary>
/// <param name="Rows">One row per layer, in order.</param>
/// <param name="TotalParameters">All scalar parameters.</param>
/// <param name="TrainableParameters">Parameters training updates.</param>
/// <param name="NonTrainableParameters">Frozen parameters.</param>
/// <param name="Table">The summary as a text table (shapes are (C,H,W), the batch shown as None).</param>
public sealed record ModelSummary(IReadOnlyList<SummaryRow> Rows, long TotalParameters, long TrainableParameters, long NonTrainableParameters, string Table)
{
    /// <summary>The printable table.</summary>
    public override string ToString() => Table;
}

/// <summary>The model's answer for one input.</summary>
/// <param name="Class">The most probable class index.</param>
/// <param name="ClassName">The class's name when the model knows its class names, else the index as text.</param>
/// <param name="Probabilities">The probability of every class (they sum to 1).</param>
public sealed record Prediction(int Class, string ClassName, IReadOnlyList<float> Probabilities)
{
    /// <summary>The probability of the predicted class.</summary>
    public float Confidence => Probabilities[Class];
}

/// <summary>A misclassified example of an evaluated dataset.</summary>
/// <param name="Index">The example's index in the evaluated dataset.</param>
/// <param name="Predicted">The predicted class.</param>
/// <param name="Actual">The true class.</param>
/// <param name="Confidence">The probability the model gave its (wrong) prediction.</param>
public sealed record MisclassifiedExample(int Index, int Predicted, int Actual, float Confidence);

/// <summary>Counts of (actual, predicted) class pairs. Immutable.</summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    internal ConfusionMatrix(int[,] counts, IReadOnlyList<string> classNames)
    {
        _counts = counts;
        ClassNames = classNames;
    }

    /// <summary>The class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The number of classes.</summary>
    public int Classes => _counts.GetLength(0);

    /// <summary>How many examples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>A copy of the counts, indexed [actual, predicted].</summary>
    public int[,] ToArray() => (int[,])_counts.Clone();

    /// <summary>The fraction of each class's examples that were recognized (recall per class; NaN for an absent class).</summary>
    public IReadOnlyList<double> PerClassAccuracy()
    {
        var result = new double[Classes];
        for (int a = 0; a < Classes; a++)
        {
            long total = 0;
            for (int p = 0; p < Classes; p++) total += _counts[a, p];
            result[a] = total == 0 ? double.NaN : (double)_counts[a, a] / total;
        }
        return Array.AsReadOnly(result);
    }

    /// <summary>The matrix as text: a row per actual class, a column per predicted class.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        int w = Math.Max(6, ClassNames.Max(n => n.Length) + 1);
        sb.Append("actual\\pred".PadRight(w));
        for (int p = 0; p < Classes; p++) sb.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(6));
        sb.AppendLine();
        for (int a = 0; a < Classes; a++)
        {
            sb.Append(ClassNames[a].PadRight(w));
            for (int p = 0; p < Classes; p++) sb.Append(_counts[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(6));
            sb.AppendLine();
        }
        return sb.ToString();
    }
}

/// <summary>How well a model does on a labelled dataset.</summary>
/// <param name="Loss">The mean cross-entropy per example.</param>
/// <param name="Accuracy">The fraction of examples whose most probable class is their label.</param>
/// <param name="Count">The number of examples evaluated.</param>
/// <param name="ConfusionMatrix">Counts of (actual, predicted) pairs.</param>
/// <param name="Misclassified">Every misclassified example, in index order.</param>
public sealed record EvaluationResult(double Loss, double Accuracy, int Count, ConfusionMatrix ConfusionMatrix, IReadOnlyList<MisclassifiedExample> Misclassified);

/// <summary>The output of one layer for one input (an activation or "feature map").</summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="Type">The layer's Keras-style type.</param>
/// <param name="Shape">The shape without the batch: (C,H,W) for image-like outputs, (features) for flat ones.</param>
/// <param name="Values">The values, row-major (channel by channel for (C,H,W)).</param>
public sealed record FeatureMap(string Layer, string Type, IReadOnlyList<int> Shape, IReadOnlyList<float> Values)
{
    /// <summary>The number of channels of a (C,H,W) map (1 for a flat output).</summary>
    public int Channels => Shape.Count == 3 ? Shape[0] : 1;

    /// <summary>One channel of a (C,H,W) map as a 2-D image [row, column].</summary>
    /// <exception cref="InvalidOperationException">The map is flat (features), not (C,H,W).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The channel does not exist.</exception>
    public float[,] Channel(int channel)
    {
        if (Shape.Count != 3)
            throw new InvalidOperationException($"The output of layer '{Layer}' has shape ({string.Join(",", Shape)}), not (C,H,W); it has no image channels.");
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Shape[0]);
        int h = Shape[1], w = Shape[2];
        var image = new float[h, w];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
                image[i, j] = Values[(channel * h + i) * w + j];
        return image;
    }
}

/// <summary>The learned weights of one layer.</summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="Type">The layer's Keras-style type.</param>
/// <param name="Shape">The kernel's shape: [filters, in_channels, kh, kw] for Conv2D, [in_channels, filters, kh, kw] for Conv2DTranspose, [inputs, units] for Dense.</param>
/// <param name="Weights">The kernel's values, row-major.</param>
/// <param name="Bias">The bias per filter or unit (empty without a bias).</param>
public sealed record LayerFilters(string Layer, string Type, IReadOnlyList<int> Shape, IReadOnlyList<float> Weights, IReadOnlyList<float> Bias)
{
    /// <summary>The number of filters (Conv2D: the first dimension; Conv2DTranspose: the second; Dense: the units).</summary>
    public int Count => Type == "Conv2DTranspose" ? Shape[1] : Type == "Conv2D" ? Shape[0] : Shape[^1];

    /// <summary>One 2-D slice of a convolution kernel: filter <paramref name="filter"/> on input channel <paramref name="channel"/>, [row, column].</summary>
    /// <exception cref="InvalidOperationException">The layer is not a convolution.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The filter or channel does not exist.</exception>
    public float[,] Kernel(int filter, int channel = 0)
    {
        if (Shape.Count != 4)
            throw new InvalidOperationException($"Layer '{Layer}' ({Type}) has a kernel of shape ({string.Join(",", Shape)}); only convolutions have 2-D filters.");
        bool transposed = Type == "Conv2DTranspose";
        int filters = transposed ? Shape[1] : Shape[0], channels = transposed ? Shape[0] : Shape[1];
        ArgumentOutOfRangeException.ThrowIfNegative(filter);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(filter, filters);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, channels);
        int kh = Shape[2], kw = Shape[3];
        int first = transposed ? channel * Shape[1] + filter : filter * Shape[1] + channel;
        var k = new float[kh, kw];
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
                k[i, j] = Weights[(first * kh + i) * kw + j];
        return k;
    }
}

/// <summary>How much each input value changes the score of a class: the gradient of the class's logit with respect to the input (a saliency map).</summary>
/// <param name="ClassIndex">The class whose score was differentiated.</param>
/// <param name="Score">The class's logit for the input.</param>
/// <param name="Shape">The input shape (C,H,W).</param>
/// <param name="Gradient">The gradient, one value per input value, row-major.</param>
public sealed record SaliencyMap(int ClassIndex, float Score, IReadOnlyList<int> Shape, IReadOnlyList<float> Gradient)
{
    /// <summary>The saliency as a 2-D image: the largest absolute gradient over the channels at each pixel.</summary>
    /// <exception cref="InvalidOperationException">The input is not an image (C,H,W).</exception>
    public float[,] ToImage()
    {
        if (Shape.Count != 3)
            throw new InvalidOperationException($"The input has shape ({string.Join(",", Shape)}), not (C,H,W).");
        int c = Shape[0], h = Shape[1], w = Shape[2];
        var image = new float[h, w];
        for (int k = 0; k < c; k++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    image[i, j] = Math.Max(image[i, j], Math.Abs(Gradient[(k * h + i) * w + j]));
        return image;
    }
}

internal static class ReadOnly
{
    public static IReadOnlyList<T> Of<T>(T[] values) => new ReadOnlyCollection<T>(values);
}
