using FuncCnn.Examples;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>
/// Runs the README's C# API examples (examples/FuncCnn.Examples.CSharp/ApiExamples.cs) on small
/// slices of MNIST and checks that each does what the README says it does.
/// </summary>
public class ApiExamplesTests
{
    [Fact]
    public void Early_stopping_watches_the_validation_loss_and_keeps_the_best_epoch()
    {
        var (best, history) = ApiExamples.EarlyStoppingExample(Mnist.SmallCnn().Build(seed: 1), Mnist.Train.Take(600));
        Assert.True(history.StoppedEarly || history.Epochs.Count == 30, history.ToCsv());
        Assert.NotNull(history.BestEpoch);
        Assert.All(history.Epochs, e => { Assert.NotNull(e.ValidationLoss); Assert.True(e.Seconds > 0); });
        var bestLoss = history.Epochs.Min(e => e.ValidationLoss!.Value);
        Assert.Equal(bestLoss, history.Epochs[history.BestEpoch!.Value - 1].ValidationLoss);
        Assert.Equal([1, 28, 28], best.InputShape);
    }

    [Fact]
    public void The_evaluation_example_reads_the_confusion_matrix_and_the_mistakes()
    {
        var (trained, _) = Mnist.SmallCnn().Build(seed: 1).Fit(Mnist.Train.Take(500), new TrainingOptions { Epochs = 1 });
        var test = Mnist.Test.Take(300);
        var result = ApiExamples.EvaluationExample(trained, test);
        var cm = result.ConfusionMatrix;
        Assert.Equal(10, cm.Classes);
        Assert.Equal(test.Count, Enumerable.Range(0, 10).Sum(a => Enumerable.Range(0, 10).Sum(p => cm[a, p])));
        Assert.Equal(test.Count - result.Misclassified.Count, Enumerable.Range(0, 10).Sum(c => cm[c, c]));
        Assert.All(result.Misclassified, m =>
        {
            Assert.NotEqual(m.Actual, m.Predicted);
            Assert.Equal(test.Label(m.Index), m.Actual);
            Assert.Equal(m.Predicted, trained.Predict(test.Image(m.Index)).Class);
        });
    }

    [Fact]
    public void The_summary_prints_its_table_and_counts_frozen_layers()
    {
        var model = ModelZoo.Build("seed-cnn");
        var summary = model.Summary();
        Assert.Equal(summary.Table, summary.ToString());
        Assert.Contains("Total params: 121,930", summary.ToString());
        var frozenFirst = ApiExamples.SummaryExample(model);
        Assert.Equal(320, frozenFirst.NonTrainableParameters);   // conv1: 32 x 3x3 + 32
        Assert.False(frozenFirst.Rows[0].Trainable);
        Assert.Equal(121_930 - 320, frozenFirst.TrainableParameters);
    }

    [Fact]
    public void The_layers_example_reshapes_upsamples_and_reads_dense_weights()
    {
        var (decoder, unit3) = ApiExamples.LayersExample();
        Assert.Equal([64], decoder.InputShape);
        Assert.Equal([64, 7, 7], decoder.Layers[1].OutputShape);
        Assert.Equal([64, 14, 14], decoder.Layers[2].OutputShape);
        Assert.Equal([32, 28, 28], decoder.Layers[3].OutputShape);
        Assert.Equal([1, 28, 28], decoder.OutputShape);
        Assert.Equal(784, unit3.Length);
        Assert.Contains(unit3, w => w != 0);
    }

    [Fact]
    public void The_autoencoder_example_rebuilds_images_and_its_decoder_alone_agrees()
    {
        var (autoencoder, decoder, rebuilt) = ApiExamples.AutoencoderExample(Mnist.Train.Take(256), Mnist.Test.Take(4));
        Assert.Equal([1, 28, 28], autoencoder.OutputShape);
        Assert.Equal([64], decoder.InputShape);
        Assert.Equal(784, rebuilt.Length);
        Assert.All(rebuilt, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void The_image_ops_example_gives_the_sizes_the_readme_says()
    {
        var (edges, pooled) = ApiExamples.ImageOpsExample(Mnist.Test);
        Assert.Equal((26, 26), (edges.GetLength(0), edges.GetLength(1)));
        Assert.Equal((13, 13), (pooled.GetLength(0), pooled.GetLength(1)));
        Assert.Contains(edges.Cast<float>(), v => v < 0);
        Assert.All(pooled.Cast<float>(), v => Assert.True(v >= 0));
    }

    [Fact]
    public void The_notebooks_example_sets_sobel_validates_on_test_generates_and_convolves()
    {
        var (edges, history, generated, strided, padded, overlapping) =
            ApiExamples.NotebookExample(Mnist.Train.Take(256), Mnist.Test.Take(64), SharedFiles.Keras("cnn_generator.h5"));
        Assert.Equal([2, 26, 26], edges.Shape);
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationAccuracy));
        Assert.Equal(4, generated.Images.Count);
        Assert.Equal((13, 13), (strided.GetLength(0), strided.GetLength(1)));
        Assert.Equal((28, 28), (padded.GetLength(0), padded.GetLength(1)));
        Assert.Equal((26, 26), (overlapping.GetLength(0), overlapping.GetLength(1)));
    }
}
