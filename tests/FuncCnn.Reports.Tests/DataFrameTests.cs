using FuncCnn;
using Xunit;

namespace FuncCnn.Reports.Tests;

public class DataFrameTests
{
    [Fact]
    public void HistoryFrameHasAColumnPerFieldAndNullsForMissingValidation()
    {
        var history = new TrainingHistory([new EpochResult(1, 0.5, 0.8, null, null, 1e-3, 12.5), new EpochResult(2, 0.25, 0.9, 0.3, 0.88, 1e-3, 11.0, Complete: false)]);
        var frame = history.ToDataFrame();
        Assert.Equal(["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds", "complete"], frame.Columns.Select(c => c.Name));
        Assert.Equal(2L, frame.Rows.Count);
        Assert.Null(frame["val_loss"][0]);
        Assert.Equal(0.3, frame["val_loss"][1]);
        Assert.Equal(false, frame["complete"][1]);
        var csv = frame.ToCsv().Split('\n');
        Assert.Equal("epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds,complete", csv[0]);
        Assert.StartsWith("2,0.25,0.9,0.3,0.88,", csv[2]);
    }

    [Fact]
    public void ConfusionAndPredictionFramesHoldTheCounts()
    {
        var pixels = new byte[6 * 4 * 4];
        new Random(3).NextBytes(pixels);
        var data = FuncCnn.Dataset.FromArrays(pixels, [1, 4, 4], [0, 1, 0, 1, 1, 0], ["a", "b"], "tiny");
        var model = ModelBuilder.Input(1, 4, 4).Flatten().Dense(2).Build(seed: 1);
        var eval = model.Evaluate(data);
        var confusion = eval.ConfusionMatrix.ToDataFrame();
        Assert.Equal(["actual", "a", "b"], confusion.Columns.Select(c => c.Name));
        for (var a = 0; a < 2; a++)
            for (var p = 0; p < 2; p++)
                Assert.Equal(eval.ConfusionMatrix[a, p], confusion.Columns[p + 1][a]);

        var predictions = model.Predict(data).ToDataFrame(data);
        Assert.Equal(["index", "label", "predicted", "confidence", "correct"], predictions.Columns.Select(c => c.Name));
        var wrong = predictions.Rows.Count(r => (bool)r[4]! == false);
        Assert.Equal(eval.Misclassified.Count, wrong);
        Assert.Throws<ShapeException>(() => model.Predict(data).ToDataFrame(data.Take(3)));
    }
}
