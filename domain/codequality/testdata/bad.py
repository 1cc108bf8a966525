def foo(a1, b, c, d, e, f, tmp2):
    x = 0
    tmp = []
    for i in range(a1):
        if b:
            for j in range(c):
                if d and e:
                    while f:
                        if tmp2 or x:
                            x += 1
                        f -= 1
    if a1 > 10:
        tmp.append(1)
    elif a1 > 5:
        tmp.append(2)
    elif a1 > 3:
        tmp.append(3)
    else:
        tmp.append(4)
    total1 = 0
    for item in tmp:
        if item > 2:
            total1 += item
        else:
            total1 -= item
    print("first total", total1)
    print("items", len(tmp))
    total1 = 0
    for item in tmp:
        if item > 2:
            total1 += item
        else:
            total1 -= item
    print("first total", total1)
    print("items", len(tmp))
    total1 = 0
    for item in tmp:
        if item > 2:
            total1 += item
        else:
            total1 -= item
    print("first total", total1)
    print("items", len(tmp))
    y = x if x > 0 else -x
    bar = [v for v in tmp if v > 1]
    try:
        y = y / len(bar)
    except ZeroDivisionError:
        y = 0
    aa = y * 2
    bb = aa + 1
    cc = bb + aa
    return cc
