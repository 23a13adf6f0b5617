using FuncCnn;
using FuncCnn.Interop;
using Xunit;

namespace FuncCnn.Api.Tests;

public class ModelUseTests
{
    /// <summary>A small CNN trained for a few steps, shared by the tests that only read it.</summary>
    private static readonly Lazy<Model> Trained = new(() =>
        Mnist.SmallCnn().Build(seed: 11).Fit(Mnist.Train.Take(512), new TrainingOptions { Epochs = 1, BatchSize = 64, LearningRate = 0.005 }).Model);

    [Fact]
    public void Evaluate_agrees_with_the_core_and_with_Predict()
    {
        var model = Trained.Value;
        var test = Mnist.Test.Take(300);
        var result = model.Evaluate(test, batchSize: 128);
        var core = FuncCnn.Core.Train.evaluate(FuncCnn.Core.Loss.SparseCategoricalCrossEntropy, 128, model.Core, DataBridge.Examples(test.Core));
        Assert.Equal(core.EvalLoss, result.Loss, 9);
        Assert.Equal(core.Accuracy.Value, result.Accuracy, 12);

        var predictions = model.Predict(test);
        Assert.Equal(result.Accuracy, predictions.Select((p, i) => p.Class == test.Label(i) ? 1.0 : 0.0).Average(), 12);
        Assert.All(result.Misclassified, m =>
        {
            Assert.Equal(test.Label(m.Index), m.Actual);
            Assert.Equal(predictions[m.Index].Class, m.Predicted);
            Assert.Equal(predictions[m.Index].Confidence, m.Confidence, 5);
        });
        Assert.Equal(predictions[0].Class, model.Predict(test.Image(0)).Class);
    }

    [Fact]
    public void Predict_gives_probabilities_for_one_image_and_for_a_batch()
    {
        var model = Trained.Value;
        var images = Enumerable.Range(0, 5).Select(Mnist.Test.Image).ToArray();
        var batch = model.Predict(images);
        for (int i = 0; i < images.Length; i++)
        {
            var one = model.Predict(images[i]);
            Assert.Equal(batch[i].Class, one.Class);
            Assert.Equal(1.0, one.Probabilities.Sum(), 4);
            Assert.Equal(one.Probabilities.ToArray(), batch[i].Probabilities.ToArray());
            Assert.Equal(one.Class.ToString(), one.ClassName);
        }
        var e = Assert.Throws<ShapeException>(() => model.Predict(new float[100]));
        Assert.Contains("(1,28,28) = 784 values", e.Message);
    }

    [Fact]
    public void A_model_is_safe_to_use_from_many_threads_at_once()
    {
        var model = Trained.Value;
        var images = Enumerable.Range(0, 48).Select(Mnist.Test.Image).ToArray();
        var sequential = images.Select(i => model.Predict(i).Probabilities.ToArray()).ToArray();
        var parallel = new float[images.Length][];
        var threads = Enumerable.Range(0, 6).Select(t => new Thread(() =>
        {
            for (int k = 0; k < 3; k++)
                for (int i = t; i < images.Length; i += 6)
                {
                    var p = model.Predict(images[i]).Probabilities.ToArray();
                    if (k == 0) parallel[i] = p;
                    else Assert.Equal(parallel[i], p);
                }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (int i = 0; i < images.Length; i++) Assert.Equal(sequential[i], parallel[i]);
    }

    [Fact]
    public void Feature_maps_are_named_per_layer_with_their_shapes()
    {
        var model = Trained.Value;
        var maps = model.FeatureMaps(Mnist.Test.Image(0));
        Assert.Equal(model.Layers.Select(l => l.Name), maps.Select(m => m.Layer));
        Assert.Equal([8, 26, 26], maps[0].Shape);
        Assert.Equal("Conv2D", maps[0].Type);
        Assert.Equal(26, maps[0].Channel(7).GetLength(0));
        Assert.All(maps[0].Values, v => Assert.True(v >= 0)); // relu
        var logits = maps[^1].Values.ToArray();
        Assert.Equal(model.Predict(Mnist.Test.Image(0)).Class, UseBridge.PredictedClass(logits));
        Assert.Throws<InvalidOperationException>(() => maps[^1].Channel(0));
    }

    [Fact]
    public void Filters_return_the_kernels_of_a_layer()
    {
        var model = Trained.Value;
        var conv = model.Filters("conv1");
        Assert.Equal([8, 1, 3, 3], conv.Shape);
        Assert.Equal(8, conv.Count);
        Assert.Equal(8, conv.Bias.Count);
        var k = conv.Kernel(5);
        Assert.Equal(conv.Weights[5 * 9 + 1 * 3 + 2], k[1, 2]);
        Assert.Equal([1352, 10], model.Filters("dense1").Shape);
        var none = Assert.Throws<InvalidValueException>(() => model.Filters("pool1"));
        Assert.Contains("conv1, dense1", none.Message);
        var missing = Assert.Throws<InvalidValueException>(() => model.Filters("conv9"));
        Assert.Contains("pool1", missing.Message);
    }

    [Fact]
    public void Input_gradient_matches_finite_differences()
    {
        var model = ModelZoo.Build("o-vs-x", seed: 5);
        var letters = Datasets.Letters();
        var image = letters.Image(0);
        var saliency = model.InputGradient(image, classIndex: 1);
        Assert.Equal([1, 6, 6], saliency.Shape);
        float Score(float[] x) => model.FeatureMaps(x)[^1].Values[1];
        Assert.Equal(Score(image), saliency.Score, 5);
        foreach (var i in new[] { 7, 14, 15, 21, 28 })
        {
            var plus = (float[])image.Clone(); plus[i] += 1e-2f;
            var minus = (float[])image.Clone(); minus[i] -= 1e-2f;
            Assert.Equal((Score(plus) - Score(minus)) / 2e-2f, saliency.Gradient[i], 2);
        }
        Assert.Equal(6, saliency.ToImage().GetLength(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.InputGradient(image, 2));
    }

    [Fact]
    public void Save_and_load_round_trip_the_model_class_names_and_history()
    {
        var letters = Datasets.Letters();
        var (trained, history) = ModelZoo.Build("o-vs-x", seed: 2).Fit(letters, new TrainingOptions { Epochs = 3, BatchSize = 4, LearningRate = 0.05 });
        var dir = Directory.CreateTempSubdirectory("funccnn-api-");
        try
        {
            var path = Path.Combine(dir.FullName, "letters.fcnn");
            trained.Save(path, history, new Dictionary<string, string> { ["dataset"] = "letters" });
            var file = Model.LoadFile(path);
            Assert.Equal(["O", "X"], file.Model.ClassNames);
            Assert.Equal(history.Epochs, file.History.Epochs);
            Assert.Equal("letters", file.Metadata["dataset"]);
            Assert.Equal(trained.Layers, file.Model.Layers, new LayerComparer());
            for (int i = 0; i < letters.Count; i++)
                Assert.Equal(trained.Predict(letters.Image(i)).Probabilities.ToArray(), Model.Load(path).Predict(letters.Image(i)).Probabilities.ToArray());

            Assert.Throws<FileNotFoundException>(() => Model.Load(Path.Combine(dir.FullName, "missing.fcnn")));
            var bytes = File.ReadAllBytes(path);
            bytes[^40] ^= 0xFF;
            File.WriteAllBytes(path, bytes);
            var corrupt = Assert.Throws<ModelFileException>(() => Model.Load(path));
            Assert.Contains(path, corrupt.Message);
        }
        finally { dir.Delete(recursive: true); }
    }

    private sealed class LayerComparer : IEqualityComparer<LayerInfo>
    {
        public bool Equals(LayerInfo? a, LayerInfo? b) =>
            a!.Name == b!.Name && a.Type == b.Type && a.Description == b.Description && a.InputShape.SequenceEqual(b.InputShape)
            && a.OutputShape.SequenceEqual(b.OutputShape) && a.ParameterCount == b.ParameterCount;
        public int GetHashCode(LayerInfo l) => l.Name.GetHashCode();
    }
}
