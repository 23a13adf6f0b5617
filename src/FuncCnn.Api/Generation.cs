using FuncCnn.Core;

namespace FuncCnn;

/// <summary>What <see cref="Model.Generate"/> made: the noise inputs and the model's output for each.</summary>
/// <param name="NoiseShape">One noise input's shape, the model's input shape, e.g. (1, 28, 28).</param>
/// <param name="Noise">The noise inputs, N(0, 1), C x H x W floats each, row-major.</param>
/// <param name="ImageShape">One output's shape, the model's output shape, e.g. (1, 28, 28).</param>
/// <param name="Images">The model's output for each noise input, in order.</param>
public sealed record GeneratedImages(IReadOnlyList<int> NoiseShape, IReadOnlyList<float[]> Noise, IReadOnlyList<int> ImageShape, IReadOnlyList<float[]> Images);

public sealed partial class Model
{
    /// <summary>
    /// The generator experiment of the teaching notebook: <paramref name="count"/> inputs of pure noise,
    /// each value drawn from N(0, 1) (28x28 noise images for an encoder + decoder model such as the
    /// notebook's <c>cnn_generator.h5</c>), fed through the whole model (prediction mode). The same seed
    /// gives the same noise and images. Works with any model; an autoencoder or an imported Keras
    /// generator gives images.
    /// </summary>
    /// <param name="count">How many noise inputs (at least 1).</param>
    /// <param name="seed">Seeds the noise.</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is below 1.</exception>
    public GeneratedImages Generate(int count, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int size = Shape.numel([.. Core.InputShape]);
        var values = RngModule.normal(0f, 1f, Shape.numel([count, size]), RngModule.create(seed));
        var noise = Enumerable.Range(0, count).Select(i => values.AsSpan(i * size, size).ToArray()).ToArray();
        var images = Outputs(noise);
        return new GeneratedImages(InputShape, noise, OutputShape, images);
    }
}
