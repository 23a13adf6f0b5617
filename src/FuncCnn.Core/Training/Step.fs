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

    /// Workspaces of pure steps that are not running: a step takes one (or makes one) and puts
    /// it back when done, so concurrent steps never share buffers. Held strongly (a weak hold was
    /// measured: each gen-2 collection dropped the workspace and the rebuild caused the next one),
    /// at most four of them.
    let private idle = System.Collections.Concurrent.ConcurrentBag<Kernels.Setup.Workspace>()

    let private takeIdle () =
        match idle.TryTake() with
        | true, ws -> ws
        | _ -> Kernels.Setup.Workspace()

    /// Forward, loss and gradients of one step with `ws` serving the step's arrays, then `update`
    /// (outside the workspace, so what it allocates is the caller's); ws is released at the end,
    /// after the update has read the gradients.
    let private run (ws: Kernels.Setup.Workspace) (config: TrainConfig) (state: TrainState) (inputs: unit -> Tensor * Targets)
                    (update: float32 -> ParamTree -> Optim.OptimizerState * ParamTree) : TrainState * StepResult =
        let dropoutRng, nextRng = Rng.split state.Rng
        let model = state.Model
        let lr = config.Schedule state.Optimizer.Step
        try
            let x, targets, loss, grads, outputs =
                Kernels.Setup.inWorkspace ws (fun () ->
                    let x, targets = inputs ()
                    let loss, grads, outputs = lossAndGrads config model dropoutRng x targets
                    x, targets, loss, grads, outputs)
            let correct = if Loss.isCategorical config.Loss then Metrics.correctCount outputs targets else 0
            let opt, p = update lr grads
            { Model = (if obj.ReferenceEquals(p, model.Params) then model else { model with Params = p }); Optimizer = opt; Rng = nextRng },
            { StepLoss = loss; Correct = correct; Count = x.Dims.[0] }
        finally ws.Release()

    /// One pure training step: forward in Train mode, loss, gradients, optimizer update of the
    /// trainable parameters. Returns the new state and what the step measured on the batch.
    /// The step's activations and gradients live in a reused workspace; the new parameters and
    /// moments are fresh arrays, so `state` stays valid and unchanged.
    let stepWith (config: TrainConfig) (state: TrainState) (inputs: Tensor) (targets: Targets) : TrainState * StepResult =
        let ws = takeIdle ()
        try
            run ws config state (fun () -> inputs, targets) (fun lr grads ->
                let p, opt = Optim.updateWhere config.Trainable config.Optimizer lr state.Optimizer state.Model.Params grads
                opt, p)
        finally if idle.Count < 4 then idle.Add ws

    /// A state whose parameter and moment arrays are copies: what a fit loop steps in place.
    let own (state: TrainState) : TrainState =
        { state with
            Model = { state.Model with Params = state.Model.Params |> ParamTree.map (fun t -> Tensor.wrap t.Dims (Array.copy t.Data)) }
            Optimizer = Optim.copyState state.Optimizer }

    /// One training step that overwrites `state`'s parameters and moments and returns the next
    /// state over the same arrays; `inputs` is called inside the workspace, so a gathered batch
    /// is a reused buffer too. Only for a loop that owns its state (see `own`) and never hands an
    /// intermediate one out: in the steady state it allocates no large array. Same bits as stepWith.
    let stepInPlace (ws: Kernels.Setup.Workspace) (config: TrainConfig) (state: TrainState) (inputs: unit -> Tensor * Targets) : TrainState * StepResult =
        run ws config state inputs (fun lr grads ->
            Optim.updateWhereInPlace config.Trainable config.Optimizer lr state.Optimizer state.Model.Params grads, state.Model.Params)

    /// One training step on images [N,C,H,W] with class labels: (new state, batch loss).
    let step (config: TrainConfig) (state: TrainState) (images: Tensor) (labels: int[]) : TrainState * float32 =
        let s, r = stepWith config state images (Labels labels)
        s, r.StepLoss
