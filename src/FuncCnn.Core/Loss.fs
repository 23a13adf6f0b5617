namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System
open FuncCnn.Core.Nn

/// What a batch is compared with.
type Targets =
    /// Integer class labels, one per example (sparse categorical).
    | Labels of int[]
    /// A tensor of the model output's shape: one-hot rows, or the pixels an autoencoder rebuilds.
    | Values of Tensor

/// The training objective (Keras' names). Cross-entropies take logits, or a model ending in softmax
/// (whose softmax is then fused into the loss).
type Loss =
    /// Integer labels against logits.
    | SparseCategoricalCrossEntropy
    /// Target distributions (e.g. one-hot) against logits.
    | CategoricalCrossEntropy
    /// Targets in [0, 1] against outputs read as probabilities, clipped to [1e-7, 1 - 1e-7] as Keras
    /// does (so a tanh-output decoder trains: outputs below 1e-7 get no gradient).
    | BinaryCrossEntropy
    /// Mean squared error.
    | MeanSquaredError

/// One misclassified example: its index in the evaluated set, predicted and true labels, and the
/// probability the model gave its prediction.
type Misclassified = { Index: int; Predicted: int; Actual: int; Confidence: float32 }

module Loss =
    /// Keras' epsilon for clipping probabilities.
    [<Literal>]
    let Epsilon = 1e-7f

    /// Keras' binary cross-entropy: p clipped to [eps, 1 - eps] (zero gradient outside), then
    /// -mean(t log(p + eps) + (1 - t) log(1 - p + eps)) over all elements.
    let binaryCrossEntropyClipped (p: Tensor) (target: Tensor) =
        if p.Dims <> target.Dims then
            Fail.shape "binary_cross_entropy: outputs %s and targets %s must have the same shape" (Shape.show p.Dims) (Shape.show target.Dims)
        if p.Numel = 0 then Fail.shape "binary_cross_entropy: the input is empty"
        let pv, tv = p.Data, target.Data
        let lo, hi = Epsilon, 1.0f - Epsilon
        let mutable total = 0.0
        for i in 0 .. pv.Length - 1 do
            let c = Math.Clamp(pv.[i], lo, hi)
            total <- total - float (tv.[i] * MathF.Log(c + Epsilon) + (1.0f - tv.[i]) * MathF.Log(1.0f - c + Epsilon))
        let n = float32 pv.Length
        Autodiff.record [||] [| float32 (total / float pv.Length) |] [| p |] (fun g ->
            let scale = g.[0] / n
            [| Array.init pv.Length (fun i ->
                   let v = pv.[i]
                   if v < lo || v > hi then 0.0f
                   else -scale * (tv.[i] / (v + Epsilon) - (1.0f - tv.[i]) / (1.0f - v + Epsilon))) |])

    /// The mean loss of a batch's outputs (logits for the cross-entropies) against its targets.
    let compute (loss: Loss) (output: Tensor) (targets: Targets) : Tensor =
        match loss, targets with
        | SparseCategoricalCrossEntropy, Labels labels -> Nn.crossEntropy output labels
        | CategoricalCrossEntropy, Values t -> Nn.crossEntropyOneHot output t
        | CategoricalCrossEntropy, Labels labels ->
            let c = output.Dims.[output.Rank - 1]
            let oneHot = Array.zeroCreate (Shape.numel [| labels.Length; c |])
            labels |> Array.iteri (fun i l ->
                if l < 0 || l >= c then Fail.value "cross_entropy: label %d at position %d is outside the %d classes" l i c
                oneHot.[i * c + l] <- 1.0f)
            Nn.crossEntropyOneHot output (Tensor.wrap [| labels.Length; c |] oneHot)
        | BinaryCrossEntropy, Values t -> binaryCrossEntropyClipped output t
        | MeanSquaredError, Values t -> Nn.mse output t
        | SparseCategoricalCrossEntropy, Values _ -> Fail.value "sparse categorical cross-entropy needs integer labels, got a target tensor"
        | (BinaryCrossEntropy | MeanSquaredError), Labels _ -> Fail.value "%A needs a target tensor of the output's shape, got integer labels" loss

    /// True for the losses that compare logits with classes (so accuracy is meaningful).
    let isCategorical (loss: Loss) =
        match loss with
        | SparseCategoricalCrossEntropy | CategoricalCrossEntropy -> true
        | _ -> false

/// Metrics over outputs and labels: argmax, accuracy, confusion matrix, mistakes.
module Metrics =
    /// The index of the largest value of each row of an [N, C] tensor (the first one on ties).
    let argmaxRows (scores: Tensor) : int[] =
        Shape.requireRank "argmax" "scores" 2 "batch, classes" scores.Dims
        let n, c = scores.Dims.[0], scores.Dims.[1]
        let d = scores.Data
        Array.init n (fun i ->
            let mutable best = i * c
            for j in i * c + 1 .. i * c + c - 1 do
                if d.[j] > d.[best] then best <- j
            best - i * c)

    /// How many rows of the scores have their largest value at the target's class.
    let correctCount (scores: Tensor) (targets: Targets) : int =
        let predicted = argmaxRows scores
        let actual =
            match targets with
            | Labels l -> l
            | Values t -> argmaxRows t
        let mutable k = 0
        for i in 0 .. predicted.Length - 1 do
            if predicted.[i] = actual.[i] then k <- k + 1
        k

    /// Fraction of predictions equal to the labels.
    let accuracy (predicted: int[]) (actual: int[]) : float =
        if predicted.Length <> actual.Length then Fail.shape "accuracy: %d predictions for %d labels" predicted.Length actual.Length
        if predicted.Length = 0 then 0.0
        else float (Array.fold2 (fun k p a -> if p = a then k + 1 else k) 0 predicted actual) / float predicted.Length

    /// counts.[actual, predicted] over `classes` classes.
    let confusionMatrix (classes: int) (actual: int[]) (predicted: int[]) : int[,] =
        if predicted.Length <> actual.Length then Fail.shape "confusion matrix: %d predictions for %d labels" predicted.Length actual.Length
        let m = Array2D.zeroCreate classes classes
        for i in 0 .. actual.Length - 1 do
            let a, p = actual.[i], predicted.[i]
            if a < 0 || a >= classes || p < 0 || p >= classes then
                Fail.value "confusion matrix: label %d or prediction %d at %d is outside the %d classes" a p i classes
            m.[a, p] <- m.[a, p] + 1
        m

    /// Every example whose most probable class is not its label, in index order, from
    /// probabilities [N, C].
    let misclassified (probabilities: Tensor) (actual: int[]) : Misclassified list =
        let predicted = argmaxRows probabilities
        if predicted.Length <> actual.Length then Fail.shape "misclassified: %d predictions for %d labels" predicted.Length actual.Length
        let c = probabilities.Dims.[1]
        [ for i in 0 .. predicted.Length - 1 do
            if predicted.[i] <> actual.[i] then
                yield { Index = i; Predicted = predicted.[i]; Actual = actual.[i]; Confidence = probabilities.Data.[i * c + predicted.[i]] } ]
