// The C# quick start of the README, verbatim between the markers (a test checks it).
// Run: dotnet run -c Release --project examples/FuncCnn.Examples.CSharp
using FuncCnn;
using FuncCnn.Reports;

// quickstart:begin
var (train, test) = Datasets.Mnist();   // $FUNCCNN_DATA/mnist or ../shared/datasets/mnist

var model = ModelBuilder.Input(1, 28, 28)          // (C,H,W): one channel, 28x28
    .Conv2D(32, 3, Activation.Relu).MaxPool2D(2)
    .Conv2D(64, 3, Activation.Relu).MaxPool2D(2)
    .Flatten().Dense(64, Activation.Relu).Dense(10)
    .Build(seed: 42);
Console.WriteLine(model.Summary());

var options = new TrainingOptions { Epochs = 2, BatchSize = 128, LearningRate = 1e-3 };
var progress = new Progress<TrainingProgress>(p =>
    Console.Write($"\repoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.RunningLoss:F4}"));
var (trained, history) = model.Fit(train, options, progress);

var result = trained.Evaluate(test);
Console.WriteLine($"\ntest accuracy {result.Accuracy:P2}, {result.Misclassified.Count} mistakes");
trained.Save("mnist.fcnn", history);
var report = TrainingReport.Write("mnist-report", trained, history, test);  // SVG, PNG, report.pdf, index.html
Console.WriteLine($"report: {report.IndexPath}");
// quickstart:end

// inspect:begin
var loaded = Model.Load("mnist.fcnn");
var image = test.Image(0);                               // 784 floats in [0,1]
var prediction = loaded.Predict(image);
Console.WriteLine($"predicted {prediction.ClassName} ({prediction.Confidence:P1}), actual {test.ClassNames[test.Label(0)]}");

foreach (var map in loaded.FeatureMaps(image))           // every layer's output, by name
    Console.WriteLine($"{map.Layer,-8} {map.Type,-14} ({string.Join(",", map.Shape)})");
float[,] firstFilter = loaded.Filters("conv2d").Kernel(0);          // 3x3 weights
float[,] saliency = loaded.InputGradient(image, prediction.Class).ToImage(); // 28x28
// inspect:end
Console.WriteLine($"filter {firstFilter.GetLength(0)}x{firstFilter.GetLength(1)}, saliency {saliency.GetLength(0)}x{saliency.GetLength(1)}");

// charts:begin
OxyPlot.PlotModel chart = Charts.ConfusionMatrix(new ConfusionCounts(result.ConfusionMatrix.ToArray(), result.ConfusionMatrix.ClassNames));
ChartExport.WriteSvg(chart, "confusion.svg");          // OxyPlot's SvgExporter
ChartExport.WritePng(chart, "confusion.png", scale: 2); // OxyPlot.SkiaSharp, no native library but SkiaSharp's
ChartExport.WritePdf(chart, "confusion.pdf");

var curves = report.Charts.Single(c => c.Name == "training-curves").Model; // every report chart is a PlotModel too
curves.Subtitle = "edited like any PlotModel";          // or show it in an OxyPlot view (WPF, Avalonia, WinForms, MAUI)
ChartExport.WritePng(curves, "curves.png");

var epochs = history.ToDataFrame();                     // Microsoft.Data.Analysis: epoch, train_loss, ..., seconds
var predictions = trained.Predict(test).ToDataFrame(test); // index, label, predicted, confidence, correct
Console.WriteLine($"{epochs.Rows.Count} epochs; {predictions.Filter(predictions["correct"].ElementwiseEquals(false)).Rows.Count} wrong predictions");
// charts:end
