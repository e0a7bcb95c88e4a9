set terminal pngcairo noenhanced size 1000,620 font 'sans,10'
set grid
set key outside right top
set output 'base.png'
set title 'Spawn + exit + reap, 8 MiB, 3 fds (median, p10-p90)'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set key off
set xtics rotate by -30
set yrange [0:*]
set ylabel 'us (guest icount time)'
plot 'base.dat' using 2:3:4:xtic(1) lc rgb '#4477aa'
