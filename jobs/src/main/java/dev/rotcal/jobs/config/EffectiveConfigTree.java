package dev.rotcal.jobs.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.TreeMap;

/** The settings as a JSON tree with reference.conf's key names (not yet redacted). */
final class EffectiveConfigTree {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private EffectiveConfigTree() {
    }

    static ObjectNode of(RotcalSettings s) {
        ObjectNode rotcal = NODES.objectNode();
        rotcal.put("run-id", s.runId());

        ObjectNode model = rotcal.putObject("model");
        model.put("uri", s.model().uri());
        model.put("name", s.model().name());

        rotcal.putObject("activations").put("uri", s.activations().uri());

        ObjectNode data = rotcal.putObject("data");
        data.put("uri", s.data().uri());
        data.put("format", s.data().format().configName());
        data.put("tokenizer-uri", s.data().tokenizerUri());
        data.put("sequence-length", s.data().sequenceLength());
        data.put("sequences", s.data().sequences());
        data.put("seed", s.data().seed());

        ObjectNode output = rotcal.putObject("output");
        output.put("uri", s.output().uri());
        output.put("overwrite", s.output().overwrite());

        ObjectNode spark = rotcal.putObject("spark");
        spark.put("master", s.spark().master());
        spark.put("partitions", s.spark().partitions());
        spark.put("blas-threads-per-task", s.spark().blasThreadsPerTask());
        spark.put("driver-blas-threads", s.spark().driverBlasThreads());

        rotcal.putObject("capture").put("storage-level", s.capture().storageLevel());

        ObjectNode massive = rotcal.putObject("massive");
        massive.put("rule", s.massive().rule().configName());
        massive.put("nr-error-threshold", s.massive().nrErrorThreshold());
        massive.put("magnitude-min", s.massive().magnitudeMin());
        massive.put("magnitude-median-ratio", s.massive().magnitudeMedianRatio());
        massive.put("seed", s.massive().seed());

        ObjectNode refine = rotcal.putObject("refine");
        refine.put("iterations", s.refine().iterations());
        refine.put("alpha", s.refine().alpha());
        refine.put("init", s.refine().init().configName());
        refine.put("seed", s.refine().seed());
        refine.put("solver", s.refine().solver().configName());
        refine.put("checkpoint-every", s.refine().checkpointEvery());
        refine.put("bits", s.refine().bits());
        refine.put("clip-ratio", s.refine().clipRatio());
        refine.put("compare-plain-procrustes", s.refine().comparePlainProcrustes());

        ObjectNode scales = rotcal.putObject("scales");
        scales.put("enabled", s.scales().enabled());
        ArrayNode methods = scales.putArray("weight-methods");
        s.scales().weightMethods().forEach(m -> methods.add(m.configName()));
        scales.put("weight-bits", s.scales().weightBits());
        scales.put("group-size", s.scales().groupSize());
        scales.put("weight-clip-search", s.scales().weightClipSearch());
        scales.put("activation-bits", s.scales().activationBits());
        scales.put("kv-bits", s.scales().kvBits());
        scales.put("static-activation-scales", s.scales().staticActivationScales());
        ArrayNode formats = scales.putArray("fp-formats");
        s.scales().fpFormats().forEach(f -> formats.add(f.configName()));
        scales.put("fp-search-steps", s.scales().fpSearchSteps());
        scales.put("sample-rows", s.scales().sampleRows());
        scales.put("sequences", s.scales().sequences());
        scales.put("gptq-inputs", s.scales().gptqInputs().configName());
        scales.put("gptq-clip-search", s.scales().gptqClipSearch());
        scales.put("gptq-act-order", s.scales().gptqActOrder());

        ObjectNode evaluate = rotcal.putObject("evaluate");
        evaluate.put("enabled", s.evaluate().enabled());
        evaluate.put("data-uri", s.evaluate().dataUri());
        evaluate.put("format", s.evaluate().format().configName());
        evaluate.put("sequence-length", s.evaluate().sequenceLength());
        evaluate.put("sequences", s.evaluate().sequences());
        evaluate.put("seed", s.evaluate().seed());

        ObjectNode hadoop = rotcal.putObject("hadoop");
        new TreeMap<>(s.hadoop()).forEach(hadoop::put);

        ObjectNode root = NODES.objectNode();
        root.set("rotcal", rotcal);
        return root;
    }
}
