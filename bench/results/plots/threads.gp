set terminal pngcairo noenhanced size 1000,620 font 'sans,10'
set grid
set key outside right top
set output 'threads.png'
set title 'Throughput, 1 and 4 threads spawning at once (--smp 2, TCG real time)'
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.7 border -1
set xtics rotate by -30
set yrange [0:*]
set ylabel 'spawns per second'
plot 'threads.dat' using 2:xtic(1) title '1 thread', '' using 3 title '4 threads'
