// The README's "Models in and out" example, verbatim (a test checks it).
// Run from the repository root: dotnet run -c Release --project examples/FuncCnn.Examples.Interop
using FuncCnn;

// A Keras model from the teaching notebook: .h5 or .keras, recognised by content
var keras = Model.ImportKerasFile("../shared/models/keras/cnn_model.h5");
var model = keras.Model;
Console.WriteLine(model.Summary());                          // Keras' layer names, 121,930 parameters
var (_, test) = Datasets.Mnist();
Console.WriteLine($"MNIST test accuracy {model.Evaluate(test).Accuracy:P2}");

// Out to ONNX (opset 13, NCHW, dynamic batch) for ONNX Runtime, and back in
model.ExportOnnx("cnn_model.onnx");
var fromOnnx = Model.Load("cnn_model.onnx");                 // Model.ImportOnnx does the same
Console.WriteLine($"same outputs after the round trip: {fromOnnx.Outputs([test.Image(0)])[0].SequenceEqual(model.Outputs([test.Image(0)])[0])}");

// Parameters only, as safetensors, into a model of the same architecture
model.SaveSafetensors("cnn_model.safetensors");
var reloaded = fromOnnx.LoadSafetensors("cnn_model.safetensors");

// An image file as input: made grey, resized to the model's 28x28, inverted (dark drawing on light paper)
var pixels = ImageFile.ReadFor(reloaded, "../shared/images/camera.png", invert: true);
var guess = reloaded.Predict(pixels);
Console.WriteLine($"the cameraman looks most like a {guess.Class} ({guess.Confidence:P0})");
