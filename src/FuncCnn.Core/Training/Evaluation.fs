namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open FuncCnn.Core.Nn

/// Loss (mean per example) and accuracy (categorical losses only) over a set of examples.
type Evaluation = { EvalLoss: float; Accuracy: float option; Examples: int }

/// What one pass of a classifier over labelled examples measures: the mean cross-entropy, the
/// accuracy, counts.[actual, predicted] and every misclassified example in index order.
type Assessment =
    { AssessedLoss: float
      AssessedAccuracy: float
      Confusion: int[,]
      Misclassified: Misclassified list
      Count: int }

/// A trained model on examples and inputs, in Eval mode; Train re-exports these.
module internal Evaluation =
    /// Mean loss and accuracy over examples, in Eval mode, batch by batch in order.
    let evaluate (loss: Loss) (batchSize: int) (model: Model) (ex: Examples) : Evaluation =
        if ex.Count = 0 then Fail.value "evaluate: no examples"
        let rng = Rng.create 0L
        let total, correct =
            Examples.batchIndices batchSize (Array.init ex.Count id)
            |> Array.fold (fun (total, correct) idx ->
                let l, right =
                    Kernels.Setup.IdleWorkspaces.run (fun () ->
                        let x, t = ex.Gather idx
                        let out = Model.applyLogits model model.Params Eval rng x
                        (Loss.compute loss out t).ToScalar(), (if Loss.isCategorical loss then Metrics.correctCount out t else 0))
                total + float l * float idx.Length, correct + right) (0.0, 0)
        { EvalLoss = total / float ex.Count
          Accuracy = (if Loss.isCategorical loss then Some(float correct / float ex.Count) else None)
          Examples = ex.Count }

    /// The model's raw outputs for inputs [N, ...], in Eval mode, computed in batches.
    let predictOutputs (batchSize: int) (model: Model) (inputs: Tensor) : Tensor =
        let rng = Rng.create 0L
        let parts =
            Examples.batchIndices batchSize (Array.init inputs.Dims.[0] id)
            |> Array.map (fun idx ->
                Kernels.Setup.IdleWorkspaces.run (fun () ->
                    (Model.apply model model.Params Eval rng (Examples.gatherRows inputs idx)).Data |> Array.copy))
        Tensor.wrap (Array.append [| inputs.Dims.[0] |] model.OutputShape) (if parts.Length = 1 then parts.[0] else Array.concat parts)

    /// Class probabilities [N, classes] (softmax of the logits, or the model's own softmax).
    let predict (batchSize: int) (model: Model) (inputs: Tensor) : Tensor =
        let out = predictOutputs batchSize model inputs
        if Model.endsInSoftmax model then out else Nn.softmax out

    /// The most probable class of each input.
    let predictClasses (batchSize: int) (model: Model) (inputs: Tensor) : int[] =
        predictOutputs batchSize model inputs |> Metrics.argmaxRows

    /// One pass over labelled examples in batches: the logits give the cross-entropy, their softmax
    /// the predictions, so loss, accuracy, confusion matrix and errors come from the same forward pass.
    let assess (batchSize: int) (model: Model) (ex: Examples) : Assessment =
        if ex.Count = 0 then Fail.value "assess: no examples"
        let classes = Shape.numel model.OutputShape
        let rng = Rng.create 0L
        let confusion = Array2D.zeroCreate classes classes
        let batches = Examples.batchIndices batchSize (Array.init ex.Count id)
        let lossSum, errors =
            batches |> Array.fold (fun (lossSum, errors) idx ->
                // everything that leaves the workspace is scalars, labels and counts
                let loss, labels, predicted, batchErrors =
                    Kernels.Setup.IdleWorkspaces.run (fun () ->
                        let x, t = ex.Gather idx
                        let labels = match t with Labels l -> Array.copy l | Values v -> Metrics.argmaxRows v
                        let logits = Model.applyLogits model model.Params Eval rng x
                        let loss = (Loss.compute SparseCategoricalCrossEntropy logits (Labels labels)).ToScalar()
                        let probabilities = Nn.softmax logits
                        loss, labels, Metrics.argmaxRows probabilities, Metrics.misclassified probabilities labels)
                let batchConfusion = Metrics.confusionMatrix classes labels predicted
                Array2D.iteri (fun a p k -> confusion.[a, p] <- confusion.[a, p] + k) batchConfusion
                // Metrics.misclassified counts within the batch: shift to the examples' own indices
                let batchErrors = batchErrors |> List.map (fun e -> { e with Index = idx.[e.Index] })
                lossSum + float loss * float idx.Length, List.rev batchErrors @ errors) (0.0, [])
        let correct = Seq.init classes (fun c -> confusion.[c, c]) |> Seq.sum
        { AssessedLoss = lossSum / float ex.Count
          AssessedAccuracy = float correct / float ex.Count
          Confusion = confusion
          Misclassified = List.rev errors
          Count = ex.Count }

    /// counts.[actual, predicted] over the examples.
    let confusionMatrix (batchSize: int) (model: Model) (ex: Examples) : int[,] =
        (assess batchSize model ex).Confusion

    /// Every misclassified example with predicted and true label and the confidence of the prediction.
    let misclassified (batchSize: int) (model: Model) (ex: Examples) : Misclassified list =
        (assess batchSize model ex).Misclassified
