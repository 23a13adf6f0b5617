// The README's "The C# API in detail" examples: each README block is the code between its
// "// name:begin" and "// name:end" markers here, without the indentation. Tests keep the README in
// step (ReadmeExamplesTests) and run every example on small slices of MNIST (ApiExamplesTests).
// The parameters carry the quick start's names (model, train, test, trained) so the README reads on from it.
namespace FuncCnn.Examples;

/// <summary>The README's examples of the C# API beyond the quick start, each a method a test runs.</summary>
public static class ApiExamples
{
    /// <summary>Validation and early stopping; the history's wall-clock seconds.</summary>
    public static (Model Best, TrainingHistory History) EarlyStoppingExample(Model model, Dataset train)
    {
        // early-stopping:begin
        var options = new TrainingOptions
        {
            Epochs = 30,
            ValidationSplit = 0.1,                          // the last 10% of train (before shuffling), as Keras
            EarlyStopping = new EarlyStopping(
                Monitor: StoppingMetric.ValidationLoss,     // or ValidationAccuracy, TrainingLoss, TrainingAccuracy
                Patience: 2,                                // epochs in a row without improvement before stopping
                MinDelta: 0.001,                            // a smaller change does not count as an improvement
                RestoreBest: true),                         // return the best epoch's parameters, not the last's
        };
        var (best, history) = model.Fit(train, options);
        Console.WriteLine($"stopped early: {history.StoppedEarly}, best epoch: {history.BestEpoch}");
        foreach (var e in history.Epochs)                   // Seconds: wall-clock, the one number that varies run to run
            Console.WriteLine($"epoch {e.Epoch}: loss {e.TrainLoss:F4}, validation {e.ValidationLoss:F4} / {e.ValidationAccuracy:P1}, {e.Seconds:F1} s");
        // early-stopping:end
        return (best, history);
    }

    /// <summary>The confusion matrix and the misclassified examples of an evaluation.</summary>
    public static EvaluationResult EvaluationExample(Model trained, Dataset test)
    {
        // evaluation:begin
        var result = trained.Evaluate(test);
        ConfusionMatrix cm = result.ConfusionMatrix;
        Console.WriteLine(cm);                              // a row per actual class, a column per predicted class
        int sevensReadAsTwos = cm[7, 2];                    // cm[actual, predicted]
        IReadOnlyList<double> recall = cm.PerClassAccuracy(); // per actual class; NaN for a class absent from test
        int[,] counts = cm.ToArray();                       // a copy, [actual, predicted]
        Console.WriteLine($"{cm.Classes} classes ({string.Join(" ", cm.ClassNames)}); 7 read as 2: {sevensReadAsTwos}; recall of 7: {recall[7]:P1}");

        foreach (var m in result.Misclassified.OrderByDescending(m => m.Confidence).Take(5))
            Console.WriteLine($"test image {m.Index}: a {cm.ClassNames[m.Actual]} read as {cm.ClassNames[m.Predicted]}, {m.Confidence:P0} sure");
        float[] surest = test.Image(result.Misclassified.MaxBy(m => m.Confidence)!.Index); // the image itself
        // evaluation:end
        Console.WriteLine($"{counts.Length} counts, {surest.Length} pixels");
        return result;
    }

    /// <summary>The model summary: rows, totals and the printed table.</summary>
    public static ModelSummary SummaryExample(Model model)
    {
        // summary:begin
        ModelSummary summary = model.Summary();
        Console.WriteLine(summary);                         // the Keras-style table: ToString() is summary.Table
        foreach (var row in summary.Rows)                   // one per layer, in order
            Console.WriteLine($"{row.Layer} ({row.Type}) -> ({string.Join(",", row.OutputShape)}), {row.Parameters:N0} parameters, trainable: {row.Trainable}");
        Console.WriteLine($"{summary.TotalParameters:N0} = {summary.TrainableParameters:N0} trainable + {summary.NonTrainableParameters:N0} frozen");
        var withFrozenFirst = model.Summary(frozenLayers: [model.Layers[0].Name]); // as TrainingOptions.FrozenLayers would
        // summary:end
        return withFrozenFirst;
    }

    /// <summary>Reshape and Conv2DTranspose in a decoder; a Dense layer's weights through Filters.</summary>
    public static (Model Decoder, float[] Unit3) LayersExample()
    {
        // layers:begin
        // A decoder: a 64-number code -> Dense -> Reshape to (C,H,W) -> transposed convolutions up to 28x28.
        var decoder = ModelBuilder.Input(64)
            .Dense(7 * 7 * 64, Activation.Relu)
            .Reshape([64, 7, 7])                            // without the batch; one size may be -1: [-1, 7, 7]
            .Conv2DTranspose(64, 3, 2, Activation.Relu)     // (filters, kernel, stride, activation): 7x7 -> 14x14
            .Conv2DTranspose(32, 3, 2, Activation.Relu)     // padding defaults to Same: output = input x stride
            .Conv2DTranspose(1, 3, activation: Activation.Tanh)  // stride 1: stays 28x28
            .Build(seed: 1);
        Console.WriteLine(string.Join(" -> ", decoder.Layers.Select(l => $"({string.Join(",", l.OutputShape)})")));

        // Filters works on Dense layers too: Shape is [inputs, units], Weights row-major, a bias per unit.
        var linear = ModelBuilder.Input(1, 28, 28).Flatten().Dense(10).Build(seed: 1);
        LayerFilters dense = linear.Filters(linear.Layers[^1].Name);
        float pixel300ToUnit3 = dense.Weights[300 * dense.Count + 3];   // dense.Count = units = 10
        float[] unit3 = [.. Enumerable.Range(0, dense.Shape[0]).Select(i => dense.Weights[i * dense.Count + 3])]; // 784: a 28x28 picture
        // layers:end
        Console.WriteLine($"weight {pixel300ToUnit3}, {dense.Bias.Count} biases");
        return (decoder, unit3);
    }

    /// <summary>The notebook's autoencoder: a trained classifier's encoder, frozen, under a fresh decoder.</summary>
    public static (Model Autoencoder, Model Decoder, float[] Rebuilt) AutoencoderExample(Dataset train, Dataset test)
    {
        // autoencoder:begin
        var classifier = ModelZoo.Build("seed-cnn", seed: 1).Fit(train, new TrainingOptions { Epochs = 1 }).Model;
        var untrained = classifier.Autoencoder(seed: 2);    // the classifier up to "dense1" (64 features) + the zoo's decoder
        string[] encoder = [.. classifier.EncoderLayers()];   // conv1 ... dense1: the layers Autoencoder keeps
        var (autoencoder, history) = untrained.FitReconstruction(train,
            new TrainingOptions { Epochs = 2, FrozenLayers = encoder });  // binary cross-entropy against the pixels
        Console.WriteLine($"reconstruction loss {history.Last!.TrainLoss:F4}");

        var image = test.Image(0);
        float[] rebuilt = [.. autoencoder.FeatureMaps(image)[^1].Values];          // (1,28,28), tanh: -1..1
        float[] code = [.. autoencoder.FeatureMaps(image).Single(m => m.Layer == encoder[^1]).Values]; // 64 numbers
        var decoder = autoencoder.LayersFrom(autoencoder.Layers[encoder.Length].Name); // the decoder alone: code -> image
        float[] fromCode = [.. decoder.FeatureMaps(code)[^1].Values];             // the same as rebuilt
        // autoencoder:end
        Console.WriteLine($"{fromCode.Length} pixels from the code");
        return (autoencoder, decoder, rebuilt);
    }

    /// <summary>The notebooks' set_weights, validation on the test set, generator and by-hand convolution.</summary>
    public static (FeatureMap Edges, TrainingHistory History, GeneratedImages Generated, float[,] Strided, float[,] Padded, float[,] Overlapping) NotebookExample(
        Dataset train, Dataset test, string generatorPath)
    {
        // notebooks:begin
        // Keras' set_weights: the Sobel kernels in a Conv2D, run on a digit
        var sobel = ModelBuilder.Input(1, 28, 28).Conv2D(2, 3, name: "sobel").Build()
            .WithKernels("sobel", [ImageKernel.SobelX, ImageKernel.SobelY], bias: [0f, 0f]);
        FeatureMap edges = sobel.FeatureMaps(test.Image(0))[0];     // (2,26,26): the x and y edge maps
        // or flat, in the layout Filters returns: [filters, channels, height, width]
        var same = sobel.WithWeights("sobel", [.. sobel.Filters("sobel").Weights]);

        // validation_data=(x_test, y_test): the test set validated after every epoch
        var (trained, history) = ModelZoo.Build("seed-cnn", seed: 1, classes: train.ClassNames.Count)
            .Fit(train, new TrainingOptions { Epochs = 2, ValidationData = test });
        Console.WriteLine($"validation accuracy {history.Last!.ValidationAccuracy:P1}");

        // the generator: 28x28 N(0,1) noise images through the whole model (here an imported Keras one)
        var generator = Model.Load(generatorPath);                 // e.g. ../shared/models/keras/cnn_generator.h5
        GeneratedImages generated = generator.Generate(count: 4, seed: 0);
        float[] firstImage = generated.Images[0];                   // (1,28,28), beside generated.Noise[0]

        // the convolution by hand, with bias, stride and padding; pooling with any size and stride
        float[,] digit = ImageOps.FromBytes([.. test.Image(0).Select(v => (byte)MathF.Round(v * 255))], 28, 28);
        float[,] strided = ImageOps.Convolve(digit, ImageKernel.SobelX, bias: -2, stride: 2);        // 13x13
        float[,] padded = ImageOps.Convolve(digit, ImageKernel.SobelX, padding: Padding.Same);        // 28x28
        float[,] overlapping = ImageOps.MaxPool(ImageOps.Relu(padded), size: 3, stride: 1);          // 26x26
        // notebooks:end
        Console.WriteLine($"{same.ParameterCount} parameters, {firstImage.Length} pixels, {trained.ClassNames.Count} classes");
        return (edges, history, generated, strided, padded, overlapping);
    }

    /// <summary>The classic image kernels and the by-hand convolution, ReLU and pooling of one digit.</summary>
    public static (float[,] Edges, float[,] Pooled) ImageOpsExample(Dataset test)
    {
        // image-ops:begin
        byte[] pixels = [.. test.Image(0).Select(v => (byte)MathF.Round(v * 255))];
        float[,] digit = ImageOps.FromBytes(pixels, 28, 28);   // [row, column], row 0 at the top, 0-255

        foreach (var kernel in ImageKernel.Classic)         // Identity, EdgeDetection, Sharpen, BoxBlur, SobelX, SobelY
        {
            float[,] filtered = ImageOps.Convolve(digit, kernel, clampTo255: true); // 26x26: no padding, kernel not flipped
            Console.WriteLine($"{kernel}: {filtered.GetLength(0)}x{filtered.GetLength(1)}, centre weight {kernel[1, 1]}");
        }
        var emboss = new ImageKernel("Emboss", new float[,] { { -2, -1, 0 }, { -1, 1, 1 }, { 0, 1, 2 } });
        float[,] edges = ImageOps.Convolve(digit, ImageKernel.EdgeDetection);  // unclamped: negative values too
        float[,] pooled = ImageOps.MaxPool(ImageOps.Relu(ImageOps.Convolve(digit, emboss)), 2); // 13x13, as a CNN layer does
        // image-ops:end
        return (edges, pooled);
    }
}
