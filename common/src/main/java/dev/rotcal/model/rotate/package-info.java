/**
 * QuaRot/DFRot rotations of a LLaMA-family model: {@link dev.rotcal.model.rotate.ModelRotation} folds the
 * norm gains, R1, R2 and R4's offline half into the weights (one function per weight site, one layer at a
 * time); {@link dev.rotcal.model.rotate.OnlineRotationHooks} applies R3 and R4's online half inside
 * {@link dev.rotcal.model.forward.DecoderLayer}; {@link dev.rotcal.model.rotate.OnlineRotationSpec} says what
 * a serving stack must reproduce. Spark-free.
 */
package dev.rotcal.model.rotate;
