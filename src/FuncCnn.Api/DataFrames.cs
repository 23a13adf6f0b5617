using System.Text;
using Microsoft.Data.Analysis;

namespace FuncCnn;

/// <summary>
/// Results as <see cref="DataFrame"/>s (Microsoft.Data.Analysis): filter, group and join them, or write them as CSV
/// with <see cref="ToCsv(DataFrame)"/>. Missing values (no validation set) are nulls.
/// </summary>
public static class DataFrames
{
    /// <summary>
    /// One row per epoch: epoch, train_loss, train_accuracy, val_loss, val_accuracy, learning_rate, seconds, complete
    /// (the columns of <see cref="TrainingHistory.ToCsv"/>).
    /// </summary>
    /// <param name="history">The history.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame ToDataFrame(this TrainingHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var e = history.Epochs;
        return new DataFrame(
            new Int32DataFrameColumn("epoch", e.Select(x => x.Epoch)),
            new DoubleDataFrameColumn("train_loss", e.Select(x => x.TrainLoss)),
            new DoubleDataFrameColumn("train_accuracy", e.Select(x => x.TrainAccuracy)),
            new DoubleDataFrameColumn("val_loss", e.Select(x => x.ValidationLoss)),
            new DoubleDataFrameColumn("val_accuracy", e.Select(x => x.ValidationAccuracy)),
            new DoubleDataFrameColumn("learning_rate", e.Select(x => x.LearningRate)),
            new DoubleDataFrameColumn("seconds", e.Select(x => x.Seconds)),
            new BooleanDataFrameColumn("complete", e.Select(x => x.Complete)));
    }

    /// <summary>The confusion matrix: an "actual" column of class names, then one count column per predicted class.</summary>
    /// <param name="matrix">The counts.</param>
    /// <returns>The data frame, one row per actual class.</returns>
    public static DataFrame ToDataFrame(this ConfusionMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var n = matrix.Classes;
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("actual", matrix.ClassNames) };
        for (var p = 0; p < n; p++)
            columns.Add(new Int32DataFrameColumn(matrix.ClassNames[p], Enumerable.Range(0, n).Select(a => matrix[a, p])));
        return new DataFrame(columns);
    }

    /// <summary>Predictions of a labelled dataset, one row per image: index, label, predicted, confidence, correct.</summary>
    /// <param name="predictions">The predictions, in dataset order (<c>model.Predict(dataset)</c>).</param>
    /// <param name="dataset">The dataset they were made for (its labels).</param>
    /// <returns>The data frame.</returns>
    /// <exception cref="ShapeException">When the counts differ.</exception>
    public static DataFrame ToDataFrame(this IReadOnlyList<Prediction> predictions, Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(dataset);
        if (predictions.Count != dataset.Count)
            throw new ShapeException($"{predictions.Count} predictions for {dataset.Count} images of {dataset.Name}; predict the whole dataset.");
        var labels = Enumerable.Range(0, dataset.Count).Select(dataset.Label).ToArray();
        return new DataFrame(
            new Int32DataFrameColumn("index", Enumerable.Range(0, predictions.Count)),
            new Int32DataFrameColumn("label", labels),
            new Int32DataFrameColumn("predicted", predictions.Select(p => p.Class)),
            new SingleDataFrameColumn("confidence", predictions.Select(p => p.Confidence)),
            new BooleanDataFrameColumn("correct", predictions.Select((p, i) => p.Class == labels[i])));
    }

    /// <summary>
    /// A data frame as CSV text: a header line, numbers in their shortest round-trip form (invariant culture),
    /// booleans as true/false, empty fields for nulls, text quoted when it holds a comma, quote or line break.
    /// </summary>
    /// <param name="frame">The data frame.</param>
    /// <returns>The CSV.</returns>
    public static string ToCsv(this DataFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
        string Field(object? v) => v switch
        {
            null => "",
            double d => d.ToString("R", inv),
            float f => f.ToString("R", inv),
            bool b => b ? "true" : "false",
            IFormattable x => x.ToString(null, inv),
            _ => Quote(v.ToString() ?? ""),
        };
        var sb = new StringBuilder();
        sb.AppendJoin(',', frame.Columns.Select(c => Quote(c.Name))).Append('\n');
        for (long r = 0; r < frame.Rows.Count; r++)
            sb.AppendJoin(',', frame.Columns.Select(c => Field(c[r]))).Append('\n');
        return sb.ToString();
    }
}
