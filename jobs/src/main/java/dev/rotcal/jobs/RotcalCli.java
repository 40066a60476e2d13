package dev.rotcal.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The rotcal command line; the calibration job arrives with the Spark-job issue. */
@Command(name = "rotcal", mixinStandardHelpOptions = true, version = "rotcal 0.1.0-SNAPSHOT",
        description = "Calibrates LLM rotations (DFRot) and 4-bit quantization scales on Apache Spark.",
        subcommands = {RotcalCli.Demo.class, DemoModelCommand.class})
public final class RotcalCli implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new RotcalCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    @Command(name = "demo", description = "Runs the embedded demo (demo model, local Spark, ./out).")
    static final class Demo implements Runnable {
        @Override
        public void run() {
            System.out.println("rotcal demo: coming. The core math (common) is built and tested; "
                    + "the demo model and the Spark calibration job land with the next issues.");
        }
    }
}
