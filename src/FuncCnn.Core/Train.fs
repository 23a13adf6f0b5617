namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core

/// Training and using a model: the names callers use (Train.fit, Train.evaluate, ...). Each idea
/// lives in its own file under Training/: the examples (Examples.fs), the config and history
/// (TrainConfig.fs), one step (Step.fs), evaluation and prediction (Evaluation.fs), early stopping
/// (EarlyStopping.fs) and the fit loop (Fit.fs).
module Train =
    /// Keras' defaults: sparse categorical cross-entropy, Adam (1e-3, eps 1e-7), batch 128, one
    /// epoch, shuffling, everything trainable, no validation, seed 0.
    let defaults: TrainConfig = TrainConfig.defaults

    /// The starting state for a model: fresh optimizer moments and the dropout generator of the seed.
    let init (config: TrainConfig) (model: Model) : TrainState = TrainStep.init config model

    /// One pure training step: forward in Train mode, loss, gradients, optimizer update of the
    /// trainable parameters. Returns the new state and what the step measured on the batch.
    let stepWith (config: TrainConfig) (state: TrainState) (inputs: Tensor) (targets: Targets) : TrainState * StepResult =
        TrainStep.stepWith config state inputs targets

    /// One training step on images [N,C,H,W] with class labels: (new state, batch loss).
    let step (config: TrainConfig) (state: TrainState) (images: Tensor) (labels: int[]) : TrainState * float32 =
        TrainStep.step config state images labels

    /// Mean loss and accuracy over examples, in Eval mode, batch by batch in order.
    let evaluate (loss: Loss) (batchSize: int) (model: Model) (ex: Examples) : Evaluation =
        Evaluation.evaluate loss batchSize model ex

    /// The model's raw outputs for inputs [N, ...], in Eval mode, computed in batches.
    let predictOutputs (batchSize: int) (model: Model) (inputs: Tensor) : Tensor =
        Evaluation.predictOutputs batchSize model inputs

    /// Class probabilities [N, classes] (softmax of the logits, or the model's own softmax).
    let predict (batchSize: int) (model: Model) (inputs: Tensor) : Tensor =
        Evaluation.predict batchSize model inputs

    /// The most probable class of each input.
    let predictClasses (batchSize: int) (model: Model) (inputs: Tensor) : int[] =
        Evaluation.predictClasses batchSize model inputs

    /// One pass over labelled examples in batches: loss, accuracy, confusion matrix and errors
    /// from the same forward pass.
    let assess (batchSize: int) (model: Model) (ex: Examples) : Assessment =
        Evaluation.assess batchSize model ex

    /// counts.[actual, predicted] over the examples.
    let confusionMatrix (batchSize: int) (model: Model) (ex: Examples) : int[,] =
        Evaluation.confusionMatrix batchSize model ex

    /// Every misclassified example with predicted and true label and the confidence of the prediction.
    let misclassified (batchSize: int) (model: Model) (ex: Examples) : Misclassified list =
        Evaluation.misclassified batchSize model ex

    /// Trains a model from a given state (optimizer moments, dropout generator): a fold over
    /// epochs and seeded shuffled batches with validation, a learning-rate schedule, early
    /// stopping and callbacks. Same seed and same data give the same history (apart from Seconds)
    /// and bit-identical parameters.
    let fitFrom (config: TrainConfig) (start: TrainState) (data: Examples) : FitResult =
        Fit.fitFrom config start data

    /// Trains a model from fresh optimizer state (see fitFrom).
    let fit (config: TrainConfig) (model: Model) (data: Examples) : FitResult =
        Fit.fit config model data
