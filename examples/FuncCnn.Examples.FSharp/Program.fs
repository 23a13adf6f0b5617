// The F# quick start of the README, verbatim between the markers (a test checks it).
// Run: dotnet run -c Release --project examples/FuncCnn.Examples.FSharp
module FuncCnn.Examples.FSharp.Program

// quickstart:begin
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Layers
open FuncCnn.Core.Data

let train, test = Mnist.load None          // $FUNCCNN_DATA/mnist or ../shared/datasets/mnist

let arch =
    conv2d 32 3 relu --> maxPool 2 --> conv2d 64 3 relu --> maxPool 2
    --> flatten --> dense 64 relu --> dense 10
let model = Model.build (Rng.create 42L) [| 1; 28; 28 |] arch   // (C,H,W)
printfn "%s" (Model.summaryText (Model.summary model))

let config =
    { Train.defaults with
        Epochs = 2; BatchSize = 128
        OnEpoch = fun e -> printfn "epoch %d loss %.4f accuracy %.4f" e.Epoch e.TrainLoss (defaultArg e.TrainAccuracy 0.0) }
let fitted = Train.fit config model (Examples.ofDataset train)

let eval = Train.evaluate SparseCategoricalCrossEntropy 256 fitted.Trained (Examples.ofDataset test)
printfn "test accuracy %.2f%%" (100.0 * defaultArg eval.Accuracy 0.0)
Serialization.save "mnist.fcnn" { Model = fitted.Trained; ClassNames = train.ClassNames; History = fitted.History; Metadata = Map.empty }
// quickstart:end

[<EntryPoint>]
let main _ = 0
