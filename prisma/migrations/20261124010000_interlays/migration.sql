-- CreateEnum
CREATE TYPE "InterlayDesiredState" AS ENUM ('started', 'stopped');

-- CreateTable
CREATE TABLE "interlays" (
    "id" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "settings" JSONB NOT NULL,
    "desired_state" "InterlayDesiredState" NOT NULL DEFAULT 'stopped',
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "interlays_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "interlays_port_key" ON "interlays"("port");

-- CreateIndex
CREATE INDEX "interlays_endpoint_idx" ON "interlays"("endpoint");
