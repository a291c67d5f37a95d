// A small line of the last hour, minute by minute; gaps where nothing was seen.
export function Sparkline({
  values,
  label,
  colour = "#3730a3",
  width = 120,
  height = 28,
}: {
  values: (number | null)[];
  label: string;
  colour?: string;
  width?: number;
  height?: number;
}) {
  const seen = values.filter((v): v is number => v !== null);
  const top = Math.max(1, ...seen);
  const x = (i: number) => (i / Math.max(1, values.length - 1)) * width;
  const y = (v: number) => height - 2 - (v / top) * (height - 4);
  // Runs of consecutive values, each drawn as its own line.
  const runs: string[] = [];
  let run: string[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) runs.push(run.join(" "));
      run = [];
    } else run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (run.length) runs.push(run.join(" "));
  const summary = seen.length
    ? `${label}: now ${seen[seen.length - 1]}, highest ${Math.max(...seen)} in the last hour`
    : `${label}: no data yet`;
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={summary}
      data-testid="sparkline"
    >
      <title>{summary}</title>
      <line x1="0" x2={width} y1={height - 1} y2={height - 1} stroke="#cbd5e1" />
      {runs.map((points, i) =>
        points.includes(" ") ? (
          <polyline key={i} points={points} fill="none" stroke={colour} strokeWidth="2" />
        ) : (
          <circle key={i} cx={points.split(",")[0]} cy={points.split(",")[1]} r="2" fill={colour} />
        ),
      )}
    </svg>
  );
}
