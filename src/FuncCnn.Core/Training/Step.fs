namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open FuncCnn.Core.Nn

/// Where training is: the model with its current parameters, the optimizer state and the
/// generator for the next step's dropout.
type TrainState = { Model: Model; Optimizer: Optim.OptimizerState; Rng: Rng }

/// What one step measured on its batch (loss before the update, correct predictions in it).
type StepResult = { StepLoss: float32; Correct: int; Count: int }

/// One optimizer step on one batch; Train re-exports it.
module internal TrainStep =
    /// The starting state for a model: fresh optimizer moments and the dropout generator of the seed.
    let init (config: TrainConfig) (model: Model) : TrainState =
        { Model = model; Optimizer = Optim.init config.Optimizer model.Params; Rng = Rng.create config.Seed |> Rng.fold "dropout" }

    /// Loss and gradients for one batch, differentiating only the trainable leaves (frozen ones
    /// enter as constants, so their gradients are never computed). Also returns the outputs.
    let private lossAndGrads (config: TrainConfig) (model: Model) (rng: Rng) (inputs: Tensor) (targets: Targets) =
        let outputs = ref null
        let lossOf (p: ParamTree) =
            let out = Model.applyLogits model p Train rng inputs
            outputs.Value <- out
            Loss.compute config.Loss out targets
        let leaves = ParamTree.leaves model.Params
        let loss, grads =
            if leaves |> List.forall (fst >> config.Trainable) then Autodiff.valueAndGradParams lossOf model.Params
            else
                let trainable = leaves |> List.filter (fst >> config.Trainable)
                // Full tree from the trainable leaves: frozen slots keep their own tensor (as constants
                // when differentiating; as ignored placeholders in the gradient tree).
                let rebuild (part: ParamTree) =
                    let merged, _ =
                        leaves |> List.mapFold (fun fresh (path, t) ->
                            match fresh with
                            | (_, f) :: rest when config.Trainable path -> f, rest
                            | _ -> t, fresh) (ParamTree.leaves part)
                    ParamTree.withLeaves merged model.Params
                let loss, g = Autodiff.valueAndGradParams (rebuild >> lossOf) (ParamTree.ofList trainable)
                loss, rebuild g
        loss.ToScalar(), grads, outputs.Value

    /// One pure training step: forward in Train mode, loss, gradients, optimizer update of the
    /// trainable parameters. Returns the new state and what the step measured on the batch.
    let stepWith (config: TrainConfig) (state: TrainState) (inputs: Tensor) (targets: Targets) : TrainState * StepResult =
        let dropoutRng, nextRng = Rng.split state.Rng
        let model = state.Model
        let lr = config.Schedule state.Optimizer.Step
        let loss, grads, outputs = lossAndGrads config model dropoutRng inputs targets
        let p, opt = Optim.updateWhere config.Trainable config.Optimizer lr state.Optimizer model.Params grads
        let correct = if Loss.isCategorical config.Loss then Metrics.correctCount outputs targets else 0
        { Model = { model with Params = p }; Optimizer = opt; Rng = nextRng },
        { StepLoss = loss; Correct = correct; Count = inputs.Dims.[0] }

    /// One training step on images [N,C,H,W] with class labels: (new state, batch loss).
    let step (config: TrainConfig) (state: TrainState) (images: Tensor) (labels: int[]) : TrainState * float32 =
        let s, r = stepWith config state images (Labels labels)
        s, r.StepLoss
