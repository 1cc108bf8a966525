function foo(a1: number, b: boolean, c: number, d: boolean, e: boolean, f: number, tmp2: boolean): number {
  var x = 0;
  var tmp: number[] = [];
  for (var i = 0; i < a1; i++) {
    if (b) {
      for (var j = 0; j < c; j++) {
        if (d && e) {
          while (f > 0) {
            if (tmp2 || x) {
              x++;
            }
            f--;
          }
        }
      }
    }
  }
  if (a1 > 10) {
    tmp.push(1);
  } else if (a1 > 5) {
    tmp.push(2);
  } else if (a1 > 3) {
    tmp.push(3);
  } else {
    tmp.push(4);
  }
  var total1 = 0;
  for (var item of tmp) {
    if (item > 2) {
      total1 += item;
    } else {
      total1 -= item;
    }
  }
  console.log('first total', total1);
  console.log('items', tmp.length);
  total1 = 0;
  for (var item of tmp) {
    if (item > 2) {
      total1 += item;
    } else {
      total1 -= item;
    }
  }
  console.log('first total', total1);
  console.log('items', tmp.length);
  total1 = 0;
  for (var item of tmp) {
    if (item > 2) {
      total1 += item;
    } else {
      total1 -= item;
    }
  }
  console.log('first total', total1);
  console.log('items', tmp.length);
  var y = x > 0 ? x : -x;
  var bar = tmp.filter((v) => v > 1);
  try {
    y = y / bar.length;
  } catch (err) {
    y = 0;
  }
  var aa = y * 2;
  var bb = aa + 1;
  var cc = bb + aa;
  return cc;
}
